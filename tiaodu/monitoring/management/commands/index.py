"""``tiaodu index define|compute|uncertainty|sensitivity``: the composite index (综合指数).

* ``tiaodu index define FILE`` — store a definition (YAML or JSON; see ADR 0022). A definition
  with ``indicator:`` instead of ``indicators:`` is an index the city publishes itself: its
  imported figures are ranked like a computed index.
* ``tiaodu index compute --index CODE --period P [--format text|csv]`` — compute, store and print
  each compared region's value, rank and 考核组 rank. CSV columns: region_code, region_name,
  value, rank, group_rank.

In CSV mode stdout is the CSV alone; the notes (missing figures, weights scaled up …) and the
method go to stderr, one "说明:" / "方法:" line each, as text mode prints them after the table.
* ``tiaodu index uncertainty --index CODE --period P [--draws 1000] [--seed N] [--format text|csv]``
  — each region's rank interval (5–95%) under drawn weights and normalisations.
* ``tiaodu index sensitivity --index CODE --period P [--seed N] [--samples 512]`` — which
  indicator moves each region's rank most (Sobol' indices).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tiaodu.core import exports
from tiaodu.core.errors import ServiceError


class Command(BaseCommand):
    help = "综合指数:define 定义,compute 计算并排名,uncertainty 排名区间,sensitivity 敏感性分析"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        define = sub.add_parser("define", help="从 YAML 或 JSON 文件定义(或更新)综合指数")
        define.add_argument("file")
        for name, text in (
            ("compute", "计算并保存指数值和排名"),
            ("uncertainty", "按抽样的权重和标准化方法给出排名区间"),
            ("sensitivity", "指出对各地区排名影响最大的指标"),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("--index", required=True, help="指数代码")
            p.add_argument("--period", required=True, help="期别,如 2022年1-2月")
            p.add_argument("--format", choices=("text", "csv"), default="text")
            if name == "uncertainty":
                p.add_argument("--draws", type=int, default=1000, help="抽样次数(默认1000)")
            if name in ("uncertainty", "sensitivity"):
                p.add_argument("--seed", type=int, default=0, help="随机种子(默认0)")
            if name == "sensitivity":
                p.add_argument("--samples", type=int, default=512, help="Saltelli 基础样本数(2的幂,默认512)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"do_{options['action']}")(options)
        except ServiceError as exc:
            for err in exc.errors[1:]:
                self.stderr.write(f"{err.field}: {err.message} ({err.code})")
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    # --- actions

    def do_define(self, options: dict[str, Any]) -> None:
        from tiaodu.monitoring.indexes import define_index

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"file_not_found: 文件不存在:{path}")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = path.read_text(encoding="gb18030")
        index = define_index(None, text)
        kind = (
            f"发布值(指标“{index.indicator.name}”)"
            if index.indicator
            else f"{len(index.spec.get('indicators', []))}项指标"
        )
        self.stdout.write(
            f"已定义综合指数 {index.code} {index.name}:{kind},比较范围 {index.spec.get('compare')}"
        )

    def do_compute(self, options: dict[str, Any]) -> None:
        from tiaodu.monitoring.indexes import compute_index

        run = compute_index(None, options["index"], options["period"])
        rows = run.ordered()
        if options["format"] == "csv":
            writer = exports.csv_writer(self.stdout, lineterminator="\n")
            writer.writerow(["region_code", "region_name", "value", "rank", "group_rank"])
            for r in rows:
                writer.writerow(
                    [r.region_code, r.region_name, run.value_text(r), r.rank or "", r.group_rank or ""]
                )
            self._explain(run.notes, run.method, csv_mode=True)
            return
        origin = "导入的发布值" if run.origin == "imported" else "计算值"
        self.stdout.write(
            f"{run.name}({run.code}) {run.period_label},{run.compare_name}下{len(rows)}个地区,{origin}"
        )
        self.stdout.write(f"{'代码':<8}{'地区':<10}{'指数':>10}{'排名':>6}{'考核组排名':>8}  考核组")
        for r in rows:
            self.stdout.write(
                f"{r.region_code:<10}{r.region_name:<10}{run.value_text(r) or '—':>10}"
                f"{r.rank or '—':>7}{r.group_rank or '—':>10}  {r.group_name}"
            )
        self._explain(run.notes, run.method)

    def _explain(self, notes: list[str], method: str, csv_mode: bool = False) -> None:
        """The notes and the method after the table: on stdout in text mode, on stderr in CSV mode
        (stdout stays pure CSV)."""
        out = self.stderr if csv_mode else self.stdout
        for note in notes:
            out.write(f"说明:{note}")
        if method:
            out.write(f"方法:{method}")

    def _matrix(self, options: dict[str, Any]) -> Any:
        from tiaodu.monitoring.index import IndexInvalid
        from tiaodu.monitoring.indexes import gather, get_index

        index = get_index(options["index"])
        if index.indicator_id:
            from tiaodu.core.errors import FieldError

            raise IndexInvalid(
                [
                    FieldError(
                        "index",
                        "index_imported",
                        f"“{index.name}”是导入的发布值,没有权重和标准化方法可供抽样或分析",
                    )
                ]
            )
        return gather(index, options["period"])

    def do_uncertainty(self, options: dict[str, Any]) -> None:
        from tiaodu.monitoring.periods import parse_period
        from tiaodu.monitoring.uncertainty import uncertainty

        m = self._matrix(options)
        result = uncertainty(
            m.spec,
            m.codes,
            m.values,
            m.directions,
            draws=options["draws"],
            seed=options["seed"],
            region_names=m.names,
        )
        rows = sorted(
            zip(
                m.regions,
                result.rank_point,
                result.rank_low,
                result.rank_median,
                result.rank_high,
                strict=True,
            ),
            key=lambda t: (t[1] is None, t[1] or 0, t[0].code),
        )
        if options["format"] == "csv":
            writer = exports.csv_writer(self.stdout, lineterminator="\n")
            writer.writerow(["region_code", "region_name", "rank", "rank_low", "rank_median", "rank_high"])
            for r, point, low, median, high in rows:
                writer.writerow([r.code, r.name, point or "", low or "", median or "", high or ""])
            self._explain(result.notes, result.method, csv_mode=True)
            return
        self.stdout.write(
            f"{m.spec.name}({m.spec.code}) {parse_period(options['period']).full_label} 排名区间"
        )
        for r, point, low, _median, high in rows:
            text = "未参与排名" if point is None else f"第{point}位(90%区间 {low}–{high}位)"
            self.stdout.write(f"{r.code:<10}{r.name:<10}{text}")
        self._explain(result.notes, result.method)

    def do_sensitivity(self, options: dict[str, Any]) -> None:
        from tiaodu.monitoring.uncertainty import sensitivity

        m = self._matrix(options)
        result = sensitivity(
            m.spec,
            m.codes,
            m.values,
            m.directions,
            seed=options["seed"],
            samples=options["samples"],
            region_names=m.names,
        )
        writer = exports.csv_writer(self.stdout, lineterminator="\n") if options["format"] == "csv" else None
        header = [
            "region_code",
            "region_name",
            "top_indicator",
            *[f"ST:{label}" for label in result.components],
        ]
        if writer:
            writer.writerow(header)
        for i, r in enumerate(m.regions):
            cells = [f"{result.total[i, j]:.3f}" for j in range(len(result.components))]
            top = result.top[i] or ""
            if writer:
                writer.writerow([r.code, r.name, top, *cells])
            elif top:
                self.stdout.write(
                    f"{r.code:<10}{r.name:<10}影响最大:{top}  "
                    + "  ".join(
                        f"{label} {cell}" for label, cell in zip(result.components, cells, strict=True)
                    )
                )
        self._explain(getattr(result, "notes", []), getattr(result, "method", ""), csv_mode=bool(writer))
