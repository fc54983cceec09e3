"""Benchmark: the paginated, filtered organisation list API over 100,000 records.

``make bench`` (or ``.venv/bin/python bench/run.py``) builds a fresh database per backend —
SQLite in a temporary directory always, PostgreSQL when ``--postgres URL`` or
``TIAODU_BENCH_DATABASE_URL`` is given or a server answers at postgres://postgres@127.0.0.1:5432/ —
migrates it, loads the Chongqing regions and the demo data, and bulk-creates 100,000 enterprises
spread over 潼南区's 23 镇街. For each scenario it then

* times ``GET /api/v1/organizations?...`` through the whole WSGI stack (every middleware, bearer
  token authentication, the permission scope, filters, pagination, serialisation, JSON rendering)
  for a realistic scoped user (the district leader ``leader``, the 古溪镇 user ``guxi``);
* captures the exact SQL that request ran and times executing the same statements with the bare
  database driver (sqlite3 / psycopg) on one persistent connection, fetching every row;
* checks that the number of queries does not depend on the page or the page size.

Requests and direct-SQL replays are interleaved so both see the same machine load. The target is
an API median within 2x of the direct-SQL median and a constant query count. Results go to
``bench/results.json``. Each database runs in its own subprocess (Django reads the database from
the environment at start-up); PostgreSQL uses a dedicated database (``tiaodu_bench``) that is
created before and dropped after the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import benchlib

PG_BENCH_DB = "tiaodu_bench"
TARGET_RATIO = 2.0
MIN_REPS = 50
DISTRICT = "500152"  # 潼南区

# (name, user, query string, description)
SCENARIOS = [
    (
        "leader_town_filter",
        "leader",
        "kind=enterprise&region=500152103&page=3&page_size=50",
        "区领导:某镇街的企业,第3页",
    ),
    (
        "leader_search",
        "leader",
        "kind=enterprise&q=食品&is_active=true&page=2&page_size=50",
        "区领导:全区企业名称检索“食品”,第2页",
    ),
    (
        "town_user_list",
        "guxi",
        "kind=enterprise&page=5&page_size=50",
        "古溪镇干部:本镇企业,第5页",
    ),
]


# --- Realistic enterprise rows ----------------------------------------------------------------

BRAND_CHARS = "鑫达盛华恒泰源丰宏瑞兴隆锦安福顺嘉裕润凯博通信德昌荣鼎汇诚永宝金天瀚祥和星辰睿卓"
INDUSTRIES = [
    "食品",
    "机械制造",
    "新材料",
    "电子科技",
    "农业开发",
    "建材",
    "物流",
    "化工",
    "纺织",
    "医药",
    "汽车零部件",
    "生物科技",
    "商贸",
    "建筑工程",
    "环保科技",
    "能源",
    "家具",
    "包装",
    "饲料",
    "畜牧",
    "水产养殖",
    "茶业",
    "酒业",
    "服饰",
    "印务",
    "五金",
    "塑料制品",
    "玻璃",
    "陶瓷",
    "钢结构",
    "混凝土",
    "农机",
    "种业",
    "中药材",
    "电气",
    "光电",
    "信息技术",
    "软件",
    "文化传媒",
    "旅游开发",
    "餐饮管理",
    "酒店管理",
    "房地产开发",
    "物业管理",
    "劳务",
    "装饰工程",
    "石材",
    "粮油",
    "调味品",
    "果蔬",
]
FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司"]
PREFIXES = ["重庆", "重庆", "重庆潼南", "重庆市潼南区"]
ROADS = ["人民路", "兴潼大道", "建设路", "工业园路", "滨江路", "新街", "正街", "创业大道", "文化路", "府前路"]
ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 character set
_CODE_VALUE = {c: i for i, c in enumerate(ORG_CODE_CHARS)}


def _credit_code(serial: int) -> str:
    """A well-formed 18-character unified social credit code (GB 32100) for 潼南区."""
    body = f"MB{serial:06d}"  # 8-character organisation code body (GB 11714)
    # GB 11714: digits count as themselves, letters as 10 + their position in the alphabet
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, [3, 7, 9, 10, 5, 8, 4, 2], strict=True)) % 11
    org_code = body + {10: "X", 11: "0"}.get(check, str(check))
    head = "91" + DISTRICT + org_code
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(_CODE_VALUE[c] * w for c, w in zip(head, weights, strict=True))
    return head + ORG_CODE_CHARS[(31 - total % 31) % 31]


def enterprise_rows(count: int, townships: list[Any], seed: int = 20250152) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    brands = [a + b for a in BRAND_CHARS for b in BRAND_CHARS if a != b]
    seen: set[str] = set()
    rows = []
    serial = 0
    while len(rows) < count:
        brand, industry = rng.choice(brands), rng.choice(INDUSTRIES)
        name = f"{rng.choice(PREFIXES)}{brand}{industry}{rng.choice(FORMS)}"
        if name in seen:
            continue
        seen.add(name)
        serial += 1
        town = townships[serial % len(townships)]
        rows.append(
            {
                "name": name,
                "short_name": f"{brand}{industry}"[:32],
                "code": _credit_code(serial),
                "region": town,
                "phone": f"023-4455{rng.randrange(10000):04d}",
                "address": f"重庆市潼南区{town.name}{rng.choice(ROADS)}{rng.randrange(1, 400)}号",
                "is_active": rng.random() < 0.95,
            }
        )
    return rows


def insert_enterprises(rows: list[dict[str, Any]]) -> None:
    """Bulk-insert the rows with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL): the ORM's
    bulk_create spends ~0.3 ms of Python per row preparing values, 30 s for 100,000 rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tiaodu.orgs.choices import OrgKind
    from tiaodu.orgs.models import Organization

    meta = Organization._meta
    names = ["name", "short_name", "code", "region", "phone", "address", "is_active"]
    fixed = {"kind": OrgKind.ENTERPRISE.value, "notes": "", "created_at": timezone.now()}
    fixed["updated_at"] = fixed["created_at"]
    columns = [meta.get_field(n).column for n in [*names, *fixed]]
    constants = tuple(meta.get_field(n).get_db_prep_save(v, connection) for n, v in fixed.items())
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(meta.db_table),
        ", ".join(connection.ops.quote_name(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    values = [
        (
            r["name"],
            r["short_name"],
            r["code"],
            r["region"].pk,
            r["phone"],
            r["address"],
            r["is_active"],
            *constants,
        )
        for r in rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                connection.ops.quote_name(meta.db_table),
                ", ".join(connection.ops.quote_name(c) for c in columns),
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, values)


# --- Worker: one database, run in its own process ----------------------------------------------


class Worker:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        import django

        django.setup()
        from django.core.handlers.wsgi import WSGIHandler
        from django.db import connection

        self.connection = connection
        self.app = WSGIHandler()
        self.vendor = connection.vendor

    # Setup ---------------------------------------------------------------------------------
    def setup(self) -> dict[str, float]:
        from django.core.management import call_command

        from tiaodu.accounts.models import User
        from tiaodu.accounts.services import create_token
        from tiaodu.core.demo import load_demo
        from tiaodu.orgs.choices import OrgKind
        from tiaodu.orgs.models import Organization
        from tiaodu.regions.choices import Level
        from tiaodu.regions.models import Region
        from tiaodu.regions.services import load_regions

        timings = {}
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        timings["migrate_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_regions(["50"])
        load_demo()
        timings["regions_demo_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        townships = list(Region.objects.filter(parent__code=DISTRICT, level=Level.TOWNSHIP).order_by("code"))
        assert len(townships) == 23, f"潼南区 should have 23 镇街, found {len(townships)}"
        insert_enterprises(enterprise_rows(self.args.records, townships))
        timings["insert_enterprises_s"] = time.perf_counter() - t0
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum (PostgreSQL) / PRAGMA optimize (SQLite) keep fresh
        self.connection.close()

        self.tokens = {
            name: create_token(None, User.objects.get(username=name), name="bench").key
            for name in {s[1] for s in SCENARIOS}
        }
        self.record_count = Organization.objects.count()
        self.enterprise_count = Organization.objects.filter(kind=OrgKind.ENTERPRISE).count()
        return {k: round(v, 2) for k, v in timings.items()}

    # The real stack ------------------------------------------------------------------------
    def request(self, user: str, query: str) -> tuple[int, bytes]:
        from urllib.parse import quote

        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/api/v1/organizations",
            "QUERY_STRING": quote(query, safe="=&"),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_ACCEPT": "application/json",
            "HTTP_AUTHORIZATION": f"Bearer {self.tokens[user]}",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": _EMPTY,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status: list[str] = []
        response = self.app(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            body = b"".join(response)
        finally:
            response.close()  # fires request_finished, as a WSGI server does
        return int(status[0].split()[0]), body

    def capture(self, user: str, query: str) -> tuple[list[tuple[str, Any]], list[str], bytes]:
        """The statements (as handed to the driver) and their interpolated text for one request."""
        from django.test.utils import CaptureQueriesContext

        raw: list[tuple[str, Any]] = []

        def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            raw.append((sql, params))
            return execute(sql, params, many, context)

        with self.connection.execute_wrapper(wrapper), CaptureQueriesContext(self.connection) as ctx:
            status, body = self.request(user, query)
        assert status == 200, (status, body[:500])
        texts = [q["sql"] for q in ctx.captured_queries]
        assert len(texts) == len(raw), "CaptureQueriesContext and the execute wrapper disagree"
        return raw, texts, body

    # The bare driver -----------------------------------------------------------------------
    def driver(self) -> tuple[Any, Any]:
        """A persistent connection with the bare driver, and a function replaying statements."""
        settings = self.connection.settings_dict
        if self.vendor == "sqlite":
            import sqlite3

            from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

            conn = sqlite3.connect(settings["NAME"], isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")

            def prepare(sql: str) -> str:
                return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")

        else:
            import psycopg

            conn = psycopg.connect(
                dbname=settings["NAME"],
                user=settings["USER"] or None,
                password=settings["PASSWORD"] or None,
                host=settings["HOST"] or None,
                port=settings["PORT"] or None,
                autocommit=True,
                cursor_factory=psycopg.ClientCursor,  # Django's default (client-side binding)
            )

            def prepare(sql: str) -> str:
                return sql

        def replay(statements: list[tuple[str, Any]]) -> int:
            rows = 0
            cur = conn.cursor()
            for sql, params in statements:
                cur.execute(sql, params)
                if cur.description is not None:
                    rows += len(cur.fetchall())
            cur.close()
            return rows

        prepared_cache: dict[int, list[tuple[str, Any]]] = {}

        def run(statements: list[tuple[str, Any]]) -> int:
            key = id(statements)
            if key not in prepared_cache:
                prepared_cache[key] = [(prepare(sql), params) for sql, params in statements]
            return replay(prepared_cache[key])

        return conn, run

    # Measurements --------------------------------------------------------------------------
    def query_counts(self, user: str, query: str, total: int) -> dict[str, int]:
        """Queries per request across pages and page sizes (pages that exist: an empty page
        skips the prefetch query)."""
        base = "&".join(p for p in query.split("&") if not p.startswith(("page=", "page_size=")))
        last = max(1, -(-total // 50))
        variants = [
            "page=1&page_size=50",
            f"page={last}&page_size=50",
            "page=1&page_size=10",
            "page=2&page_size=100",
            "page=1&page_size=200",
        ]
        counts = {}
        for variant in variants:
            raw, _texts, _body = self.capture(user, f"{base}&{variant}")
            counts[variant] = len(raw)
        return counts

    def scenario(self, name: str, user: str, query: str, description: str, run_sql: Any) -> dict[str, Any]:
        for _ in range(self.args.warmup):
            status, body = self.request(user, query)
            assert status == 200, (status, body[:500])
        statements, texts, body = self.capture(user, query)
        data = json.loads(body)
        run_sql(statements)

        api_ns: list[int] = []
        sql_ns: list[int] = []
        clock = time.perf_counter_ns
        gc.collect()
        deadline = time.monotonic() + self.args.budget
        for i in range(self.args.reps):
            if i >= MIN_REPS and time.monotonic() > deadline:
                break  # a busy machine: keep the whole run within a few minutes
            t0 = clock()
            status, _ = self.request(user, query)
            t1 = clock()
            run_sql(statements)
            t2 = clock()
            assert status == 200
            api_ns.append(t1 - t0)
            sql_ns.append(t2 - t1)
        api, sql = benchlib.summary(api_ns), benchlib.summary(sql_ns)
        counts = self.query_counts(user, query, data["count"])
        ratio = round(api["median_ms"] / sql["median_ms"], 2)
        constant = len(set(counts.values())) == 1
        return {
            "name": name,
            "description": description,
            "user": user,
            "request": f"GET /api/v1/organizations?{query}",
            "repetitions": len(api_ns),
            "total_matching": data["count"],
            "rows_on_page": len(data["results"]),
            "response_bytes": len(body),
            "api": api,
            "direct_sql": sql,
            "ratio_median": ratio,
            "queries": len(statements),
            "sql": texts,
            "queries_per_page_variant": counts,
            "query_count_constant": constant,
            "target_met": ratio <= TARGET_RATIO and constant,
        }

    def run(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        setup = self.setup()
        conn, run_sql = self.driver()
        with self.connection.cursor() as cursor:
            cursor.execute("select sqlite_version()" if self.vendor == "sqlite" else "show server_version")
            version = cursor.fetchone()[0]
        results = [self.scenario(*s, run_sql=run_sql) for s in SCENARIOS]
        conn.close()
        self.connection.close()
        return {
            "database": {
                "vendor": self.vendor,
                "version": version,
                "driver": "sqlite3" if self.vendor == "sqlite" else "psycopg " + _psycopg_version(),
                "name": str(self.connection.settings_dict["NAME"]),
                "conn_max_age": self.connection.settings_dict["CONN_MAX_AGE"],
            },
            "records": {"organizations": self.record_count, "enterprises": self.enterprise_count},
            "setup_seconds": setup,
            "warmup": self.args.warmup,
            "repetitions": self.args.reps,
            "budget_s_per_scenario": self.args.budget,
            "scenarios": results,
            "target_met": all(r["target_met"] for r in results),
            "elapsed_s": round(time.perf_counter() - t0, 1),
        }


class _EmptyInput:
    def read(self, *args: Any) -> bytes:
        return b""

    def readline(self, *args: Any) -> bytes:
        return b""


_EMPTY = _EmptyInput()


def _psycopg_version() -> str:
    import psycopg

    return psycopg.__version__


# --- Orchestration ------------------------------------------------------------------------------


def print_table(runs: list[dict[str, Any]]) -> None:
    head = f"{'database':<18}{'scenario':<22}{'rows':>7}{'q':>3}{'API med':>9}{'p95':>8}{'SQL med':>9}{'p95':>8}{'ratio':>7}  ok"
    print(head)
    print("-" * len(head))
    for run in runs:
        db = f"{run['database']['vendor']} {run['database']['version'].split()[0]}"
        for s in run["scenarios"]:
            print(
                f"{db:<18}{s['name']:<22}{s['total_matching']:>7}{s['queries']:>3}"
                f"{s['api']['median_ms']:>9.2f}{s['api']['p95_ms']:>8.2f}"
                f"{s['direct_sql']['median_ms']:>9.2f}{s['direct_sql']['p95_ms']:>8.2f}"
                f"{s['ratio_median']:>7.2f}  {'yes' if s['target_met'] else 'NO'}"
            )
    print("(ms; ratio = API median / direct-SQL median, target <= 2.0; q = queries per request)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server to benchmark as well")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--records", type=int, default=100_000, help="enterprises to create")
    parser.add_argument("--reps", type=int, default=200, help="timed repetitions per scenario")
    parser.add_argument(
        "--budget", type=float, default=20.0, help="seconds per scenario after which timing stops early"
    )
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per scenario")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = Worker(args).run()
        Path(args.worker).write_text(json.dumps(result, ensure_ascii=False, indent=2))
        return 0

    started = time.perf_counter()
    worker_args = ["--records", str(args.records), "--reps", str(args.reps), "--warmup", str(args.warmup)]
    worker_args += ["--budget", str(args.budget)]
    runs = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="tiaodu-bench-") as tmp:
            print("== SQLite: building the database and measuring ...", flush=True)
            runs.append(benchlib.run_worker(__file__, f"sqlite:///{tmp}/bench.sqlite3", tmp, worker_args))

    pg_base = args.postgres or os.environ.get("TIAODU_BENCH_DATABASE_URL")
    explicit = bool(pg_base)
    pg_base = pg_base or benchlib.DEFAULT_PG_URL
    if args.no_postgres:
        print("PostgreSQL: skipped (--no-postgres)")
    elif not benchlib.pg_reachable(pg_base):
        if explicit:
            print(f"PostgreSQL at {pg_base} is not reachable", file=sys.stderr)
            return 2
        print(f"PostgreSQL: skipped (nothing answers at {benchlib.DEFAULT_PG_URL})")
    else:
        print(f"== PostgreSQL: database {PG_BENCH_DB} on {urlsplit(pg_base).hostname} ...", flush=True)
        benchlib.pg_recreate(pg_base, PG_BENCH_DB)
        try:
            with tempfile.TemporaryDirectory(prefix="tiaodu-bench-") as tmp:
                runs.append(
                    benchlib.run_worker(__file__, benchlib.pg_url(pg_base, PG_BENCH_DB), tmp, worker_args)
                )
        finally:
            benchlib.pg_recreate(pg_base, PG_BENCH_DB, drop_only=True)

    import django

    report = {
        "benchmark": "paginated, filtered list API (GET /api/v1/organizations) vs. the same SQL via the driver",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": benchlib.git_commit(),
        "machine": benchlib.machine_info(),
        "django": django.get_version(),
        "targets": {
            "api_median_over_direct_sql_median_max": TARGET_RATIO,
            "queries_per_page": "constant across page and page_size",
        },
        "method": {
            "api": "GET through django.core.handlers.wsgi.WSGIHandler in-process (all middleware, "
            "Bearer token auth, permission scope, filters, pagination, serialisation); "
            "connections as the settings keep them (runs[].database.conn_max_age)",
            "direct_sql": "the statements captured from that request (CaptureQueriesContext and an "
            "execute wrapper), re-executed with the bare driver on one persistent connection, "
            "every row fetched",
            "timing": "warm-up, then API request and direct-SQL replay interleaved per repetition; "
            "repetitions stop early after the per-scenario budget on a busy machine",
            "data": "fresh database, migrations, regions of province 50, demo data, the enterprises "
            "inserted in one batch, then ANALYZE",
        },
        "record_count": args.records,
        "runs": runs,
        "target_met": bool(runs) and all(r["target_met"] for r in runs),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    # results.json holds one key per benchmark (list_api here; bench_*.py write theirs).
    benchlib.merge_results("list_api", report, args.output)
    print()
    machine = report["machine"]
    print(f"{args.records} enterprises; {machine['cpu']} x{machine['cpu_count']}; Python {machine['python']}")
    print_table(runs)
    print(f"\nall targets met: {report['target_met']}; written {args.output} in {report['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
