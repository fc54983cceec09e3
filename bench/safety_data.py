"""Bulk data of the work-safety benchmarks (``bench_safety.py``): one district (潼南区, the worst
case: it holds everything) with its sectors, inspectors, units, inspections, hazards with their
cases and card history, enforcement documents with penalties, and an accident register.

Everything large is written set-based (``INSERT … SELECT … FROM generate_series`` and temporary
tables: no Python per row); the services are not used (they are measured elsewhere). The data is
dated relative to ``today``: inspections over the 700 days before it, so that the hazards' states
(待整改 / 整改中 / 待验收 / 已验收) and their overdue cards are consistent with the day the sweep
runs. Spread (by hashes of the row number — PostgreSQL's ``hashint8`` and multiplicative ones — so
that every run builds the same data):

* units: 3 % 重大风险, 9 % 较大, 28 % 一般, the rest 低; 2 % not active; sectors weighted (工贸, 商贸,
  建筑施工 … most); 23 镇街;
* inspections: 60 % 执法检查 (a third by 应急管理局, the rest by the sector's department), 15 % 联合检查
  (with a co-department), 15 % 日常巡查, 10 % 企业自查; two inspectors on 执法/联合; a campaign;
* hazards: on a hashed inspection (dates, unit, sector, township, department copied from it),
  2.5 % 重大 (挂牌督办, 治理方案 once started), 30 % of the others 即查即改 (closed at once); the rest
  限期整改 (10 / 30 working days) rectified after 1–16 days (×3 for 重大), accepted 1–8 days later,
  1 % never rectified; yellow and red CardRecord rows where the rectification ran late;
* documents: ``decisions`` 行政处罚决定书 (罚款 70 %, 警告 50 %, 责令停产停业 2 % …) and as many
  责令限期整改指令书, each on an 执法/联合 inspection;
* accidents: 150 一般事故 and one 较大事故 (deaths 3) six years back.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

DISTRICT = "500152"  # 潼南区
DAYS = 700  # inspections over the DAYS days before today
# Departments the default sectors name that the core demo does not create.
EXTRA_DEPARTMENTS = [
    ("区城市管理局", "城市管理局"),
    ("区消防救援支队", "消防救援支队"),
    ("区市场监管局", "市场监管局"),
    ("区文化旅游委", "文化旅游委"),
    ("区教委", "教委"),
    ("区卫生健康委", "卫生健康委"),
    ("区农业农村委", "农业农村委"),
    ("区水利局", "水利局"),
]
# Units per sector code (default 1).
SECTOR_WEIGHTS = {
    "industry": 6,
    "commerce": 6,
    "construction": 4,
    "road": 3,
    "gas": 2,
    "fire": 3,
    "special_equipment": 2,
    "hazchem": 2,
    "tourism": 2,
}
UNIT_TYPES = (
    ["enterprise"] * 6 + ["individual"] * 3 + ["market", "site", "gas_station", "school", "scenic", "other"]
)
INSPECTORS_PER_DEPARTMENT = 30
HAZARD_TEXTS = [
    "消防通道堆放杂物,影响疏散",
    "灭火器压力不足,未按期检验",
    "配电箱未设置漏电保护装置",
    "特种作业人员未持证上岗",
    "安全警示标志缺失",
    "危险化学品储存未分类分区",
    "粉尘清扫制度未落实,积尘较厚",
    "燃气管道未设置泄漏报警装置",
    "脚手架连墙件设置不足",
    "应急预案未按期演练",
    "安全生产教育培训记录不全",
    "车辆动态监控设备离线",
]


def _tables() -> dict[str, str]:
    from tiaodu.cases.models import CardRecord, Case, CaseCategory, CaseEvent, WorkDay
    from tiaodu.safety import models as m

    names = {
        "case": Case,
        "workday": WorkDay,
        "category": CaseCategory,
        "record": CardRecord,
        "event": CaseEvent,
        "unit": m.Unit,
        "sector": m.Sector,
        "inspector": m.Inspector,
        "inspection": m.Inspection,
        "hazard": m.Hazard,
        "plan": m.HazardPlan,
        "document": m.EnforcementDocument,
        "penalty": m.PenaltyItem,
        "accident": m.Accident,
    }
    tables = {k: v._meta.db_table for k, v in names.items()}
    tables["insp_inspectors"] = m.Inspection.inspectors.through._meta.db_table
    tables["insp_codepts"] = m.Inspection.co_departments.through._meta.db_table
    tables["case_coorgs"] = Case.co_orgs.through._meta.db_table
    tables["related_units"] = m.Inspector.related_units.through._meta.db_table
    return tables


# --- reference data ---------------------------------------------------------------------------------


def _departments(district: Any) -> None:
    from tiaodu.orgs.choices import OrgKind
    from tiaodu.orgs.models import Organization

    for name, short in EXTRA_DEPARTMENTS:
        Organization.objects.get_or_create(
            name=name, region=district, defaults={"short_name": short, "kind": OrgKind.DEPARTMENT}
        )


def _fallback_reference(district: Any) -> None:
    """Sectors and the two hazard categories, while lane units' ``reference.ensure_defaults`` is
    not written yet (the bench uses it as soon as it exists)."""
    from django.db.models import Q

    from tiaodu.cases.models import CaseCategory
    from tiaodu.orgs.models import Organization
    from tiaodu.safety.choices import DEFAULT_SECTORS, WORKFLOW
    from tiaodu.safety.models import ChecklistItem, SafetySettings, Sector

    for order, (code, name, departments) in enumerate(DEFAULT_SECTORS, start=1):
        dept = (
            Organization.objects.filter(region=district)
            .filter(Q(name__in=departments) | Q(short_name__in=departments))
            .order_by("pk")
            .first()
        )
        sector, _ = Sector.objects.get_or_create(
            region=district, code=code, defaults={"name": name, "department": dept, "order": order}
        )
        for i in range(1, 4):
            ChecklistItem.objects.get_or_create(
                sector=sector,
                code=f"{i:02d}",
                defaults={"text": f"{name}检查项{i}", "is_major_criterion": i == 3, "order": i},
            )
    for code, name, days in (("general", "一般隐患", 10), ("major", "重大隐患", 30)):
        CaseCategory.objects.get_or_create(
            workflow=WORKFLOW, code=code, defaults={"name": name, "time_limit_days": days}
        )
    SafetySettings.objects.get_or_create(region=district)


def reference(district: Any) -> dict[str, Any]:
    """The district's sectors (with the extra departments so that each has one), settings, the
    hazard categories; 应急管理局's id."""
    from tiaodu.cases.models import CaseCategory
    from tiaodu.orgs.models import Organization
    from tiaodu.safety import reference as ref
    from tiaodu.safety.choices import WORKFLOW
    from tiaodu.safety.models import SafetySettings, Sector

    _departments(district)
    ensure_defaults = getattr(ref, "ensure_defaults", None)
    if ensure_defaults is not None:
        ensure_defaults(district)
        used = "reference.ensure_defaults"
    else:
        _fallback_reference(district)
        used = "bench fallback (reference.ensure_defaults missing)"
    SafetySettings.objects.filter(region=district).update(record_start=date(2016, 1, 1))
    yjj = Organization.objects.get(region=district, name="区应急管理局")
    sectors = list(Sector.objects.filter(region=district).order_by("order", "pk"))
    categories = dict(CaseCategory.objects.filter(workflow=WORKFLOW).values_list("code", "pk"))
    return {"yjj": yjj.pk, "sectors": sectors, "categories": categories, "reference": used}


def _inspectors(district: Any, sectors: list[Any], yjj: int, today: date) -> list[int]:
    """INSPECTORS_PER_DEPARTMENT per supervising department (one in ten with an expired 执法证)."""
    from tiaodu.safety.models import Inspector

    departments = sorted({s.department_id for s in sectors if s.department_id} | {yjj})
    rows = [
        Inspector(
            region=district,
            organization_id=dept,
            name=f"执法员{dept}-{i:02d}",
            certificate_no=f"5001520{dept:04d}{i:03d}",
            certificate_valid_until=today + timedelta(days=-30 if i % 10 == 0 else 900),
        )
        for dept in departments
        for i in range(1, INSPECTORS_PER_DEPARTMENT + 1)
    ]
    Inspector.objects.bulk_create(rows, batch_size=1000)
    return departments


def _campaign(district: Any, sectors: list[Any], yjj: int, start: date) -> int:
    from tiaodu.safety.models import Campaign

    campaign = Campaign.objects.create(
        region=district,
        name="基准“两重大一突出”大排查大整治大执法",
        starts_on=start,
        ends_on=start + timedelta(days=120),
        lead_department_id=yjj,
    )
    campaign.sectors.set(sectors)
    return int(campaign.pk)


# --- the bulk part ----------------------------------------------------------------------------------


# A well-spread number in 0 … 2**32 - 1 for row g (PostgreSQL's integer hash), where row-number
# arithmetic would tie one choice to another (every unit inspected by one kind, …).
HASH = "SELECT hashint8(g::bigint)::bigint + 2147483648 AS h"


def _exec(cursor: Any, sql: str, params: dict[str, Any] | None = None) -> int:
    cursor.execute(sql, params or {})
    return int(cursor.rowcount)


def build(
    *,
    units: int = 20_000,
    inspections: int = 200_000,
    hazards: int = 250_000,
    decisions: int = 20_000,
    today: date,
) -> dict[str, Any]:
    """Build the district's safety data; the row counts and the seconds each part took."""
    from django.db import connection, transaction

    from tiaodu.regions.choices import Level
    from tiaodu.regions.models import Region

    t = _tables()
    district = Region.objects.get(code=DISTRICT)
    towns = list(
        Region.objects.filter(parent=district, level=Level.TOWNSHIP)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ref = reference(district)
    yjj, sectors, categories = ref["yjj"], ref["sectors"], ref["categories"]
    start = today - timedelta(days=DAYS)
    departments = _inspectors(district, sectors, yjj, today)
    campaign = _campaign(district, sectors, yjj, today - timedelta(days=300))
    timings["reference_s"] = time.perf_counter() - t0

    weighted = [s.pk for s in sectors for _ in range(SECTOR_WEIGHTS.get(s.code, 1))]
    p: dict[str, Any] = {
        "district": district.pk,
        "towns": towns,
        "ntown": len(towns),
        "sectors": weighted,
        "nsec": len(weighted),
        "types": UNIT_TYPES,
        "ntype": len(UNIT_TYPES),
        "yjj": yjj,
        "start": start,
        "days": DAYS,
        "today": today,
        "campaign": campaign,
        "c_from": today - timedelta(days=300),
        "c_to": today - timedelta(days=180),
        "texts": HAZARD_TEXTS,
        "ntext": len(HAZARD_TEXTS),
        "general": categories["general"],
        "major": categories["major"],
        "ni": inspections,
        "nh": hazards,
        "nu": units,
        "nd": decisions,
    }
    with transaction.atomic(), connection.cursor() as c:
        t0 = time.perf_counter()
        _exec(
            c,
            f"""
            INSERT INTO {t["unit"]} (created_at, updated_at, longitude, latitude, version, name, credit_code,
                unit_type, risk_level, address, contact_name, has_risk_list, has_duty_list, has_operation_card,
                has_emergency_card, is_active, created_by_id, district_id, enterprise_id, project_id, sector_id,
                township_id)
            SELECT now(), now(), round(105.62 + ((g::bigint * 7919) %% 4800) / 10000.0, 6),
                   round(29.98 + ((g::bigint * 104729) %% 4400) / 10000.0, 6), 1,
                   '基准安全单位' || lpad(g::text, 6, '0'), '', (%(types)s::text[])[1 + (g * 7) %% %(ntype)s],
                   CASE WHEN (g::bigint * 31) %% 100 < 3 THEN 'major' WHEN (g::bigint * 31) %% 100 < 12 THEN 'large'
                        WHEN (g::bigint * 31) %% 100 < 40 THEN 'general' ELSE 'low' END,
                   '重庆市潼南区基准路' || g || '号', '安全员' || g, g %% 2 = 0, g %% 3 <> 0, g %% 4 <> 0, g %% 5 <> 0,
                   g %% 50 <> 0, NULL, %(district)s, NULL, NULL,
                   (%(sectors)s::bigint[])[1 + (g::bigint * 104729) %% %(nsec)s],
                   (%(towns)s::bigint[])[1 + ((g::bigint * 7919) / 3) %% %(ntown)s]
            FROM generate_series(1, %(nu)s) g
            """,
            p,
        )
        # Units by row number, with their sector's department (the inspecting department by default).
        _exec(
            c,
            f"""
            CREATE TEMPORARY TABLE bench_units ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY u.id) AS rn, u.id, u.name, u.sector_id, u.township_id,
                   COALESCE(s.department_id, %(yjj)s) AS sector_dept
            FROM {t["unit"]} u JOIN {t["sector"]} s ON s.id = u.sector_id WHERE u.district_id = %(district)s
            """,
            p,
        )
        _exec(c, "CREATE UNIQUE INDEX ON bench_units (rn)")
        # 回避: each inspector is related to three units.
        _exec(
            c,
            f"""
            INSERT INTO {t["related_units"]} (inspector_id, unit_id)
            SELECT i.id, u.id FROM {t["inspector"]} i CROSS JOIN generate_series(1, 3) k
            JOIN bench_units u ON u.rn = 1 + ((i.id * 3 + k) * 7919) %% %(nu)s
            WHERE i.region_id = %(district)s
            """,
            p,
        )
        timings["units_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        _exec(
            c,
            f"""
            CREATE TEMPORARY TABLE bench_insp ON COMMIT DROP AS
            SELECT g AS rn, nextval(pg_get_serial_sequence('{t["inspection"]}', 'id')) AS id, u.id AS unit_id,
                   u.name AS unit_name, u.sector_id, u.township_id, u.sector_dept, s.d AS inspected_on, s.kind,
                   CASE WHEN s.kind = 'enforcement' AND s.h / 20 %% 3 = 0 THEN %(yjj)s ELSE u.sector_dept END
                   AS department_id
            FROM (SELECT g, h, %(start)s::date + ((g::bigint * 104729) %% %(days)s)::int AS d,
                         CASE WHEN h %% 20 < 12 THEN 'enforcement' WHEN h %% 20 < 15 THEN 'joint'
                              WHEN h %% 20 < 18 THEN 'patrol' ELSE 'self' END AS kind,
                         1 + ((g::bigint * 7919) %% %(nu)s) AS urn
                  FROM generate_series(1, %(ni)s) g CROSS JOIN LATERAL ({HASH}) x) s
            JOIN bench_units u ON u.rn = s.urn
            """,
            p,
        )
        _exec(c, "CREATE UNIQUE INDEX ON bench_insp (rn)")
        _exec(
            c,
            f"""
            INSERT INTO {t["inspection"]} (id, created_at, updated_at, longitude, latitude, number, inspected_on,
                kind, checklist, findings, campaign_id, created_by_id, department_id, district_id, township_id,
                team_id, plan_visit_id, sector_id, unit_id)
            SELECT id, now(), now(), NULL, NULL, 'JC' || to_char(inspected_on, 'YYYY') || lpad(rn::text, 7, '0'),
                   inspected_on, kind, '[]'::jsonb, '现场检查', CASE WHEN kind IN ('enforcement', 'joint')
                   AND rn %% 2 = 0 AND inspected_on BETWEEN %(c_from)s AND %(c_to)s THEN %(campaign)s END,
                   NULL, department_id, %(district)s, township_id, NULL, NULL, sector_id, unit_id
            FROM bench_insp ORDER BY id
            """,
            p,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["insp_codepts"]} (inspection_id, organization_id)
            SELECT id, CASE WHEN department_id = %(yjj)s THEN sector_dept ELSE %(yjj)s END
            FROM bench_insp WHERE kind = 'joint' AND NOT (department_id = %(yjj)s AND sector_dept = %(yjj)s)
            """,
            p,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["insp_inspectors"]} (inspection_id, inspector_id)
            SELECT b.id, d.ids[1 + (b.rn * 2 + k) %% array_length(d.ids, 1)]
            FROM bench_insp b CROSS JOIN generate_series(0, 1) k
            JOIN (SELECT organization_id, array_agg(id ORDER BY id) AS ids FROM {t["inspector"]}
                  WHERE region_id = %(district)s GROUP BY organization_id) d ON d.organization_id = b.department_id
            WHERE b.kind IN ('enforcement', 'joint')
            """,
            p,
        )
        timings["inspections_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        # The hazards' facts, their dated history and their case's state, from the row number.
        _exec(
            c,
            f"""
            CREATE TEMPORARY TABLE bench_haz0 ON COMMIT DROP AS
            SELECT g AS rn, nextval(pg_get_serial_sequence('{t["case"]}', 'id')) AS case_id, i.id AS inspection_id,
                   i.inspected_on AS found_on, i.unit_id, i.unit_name, i.sector_id, i.township_id, i.department_id,
                   i.sector_dept, CASE WHEN h %% 40 = 0 THEN 'major' ELSE 'general' END AS grade,
                   CASE WHEN h %% 40 <> 0 AND h / 40 %% 10 < 3 THEN 'immediate' ELSE 'deadline' END AS mode,
                   ((1 + h / 400 %% 16) * CASE WHEN h %% 40 = 0 THEN 3 ELSE 1 END)::int AS rect_days,
                   (1 + h / 6400 %% 8)::int AS accept_days, h / 51200 %% 100 = 7 AS stuck
            FROM generate_series(1, %(nh)s) g CROSS JOIN LATERAL ({HASH}) x
            JOIN bench_insp i ON i.rn = 1 + ((g::bigint * 7919) %% %(ni)s)
            """,
            p,
        )
        _exec(
            c,
            f"""
            CREATE TEMPORARY TABLE bench_haz1 ON COMMIT DROP AS
            SELECT h.*, CASE WHEN h.mode = 'immediate' THEN NULL ELSE w2.date END AS deadline,
                CASE WHEN h.mode = 'immediate' THEN 'accepted'
                     WHEN h.stuck OR h.found_on + h.rect_days > %(today)s THEN
                          CASE WHEN h.rn %% 3 = 0 THEN 'pending' ELSE 'rectifying' END
                     WHEN h.found_on + h.rect_days + h.accept_days > %(today)s THEN 'awaiting'
                     ELSE 'accepted' END AS state
            FROM bench_haz0 h
            JOIN {t["workday"]} w1 ON w1.date = h.found_on
            LEFT JOIN {t["workday"]} w2
                 ON w2.workday_index = w1.workday_index + CASE WHEN h.grade = 'major' THEN 30 ELSE 10 END
                 AND w2.is_workday
            """,
            p,
        )
        _exec(
            c,
            """
            CREATE TEMPORARY TABLE bench_haz ON COMMIT DROP AS
            SELECT h.*, r.rectified_on, r.accepted_on,
                   CASE WHEN h.deadline IS NOT NULL AND COALESCE(r.rectified_on, %(today)s) > h.deadline
                        THEN h.deadline + 1 END AS yellow_on,
                   CASE WHEN h.deadline IS NOT NULL AND COALESCE(r.rectified_on, %(today)s) > h.deadline + 7
                        THEN h.deadline + 8 END AS red_on,
                   CASE WHEN h.state IN ('pending', 'rectifying') THEN h.deadline
                        WHEN h.mode = 'immediate' THEN h.found_on ELSE r.rectified_on + 7 END AS due_on,
                   CASE WHEN h.grade = 'major' THEN h.sector_dept ELSE h.department_id END AS handling_org_id
            FROM bench_haz1 h CROSS JOIN LATERAL (
                SELECT CASE WHEN h.state IN ('awaiting', 'accepted') THEN
                            h.found_on + CASE WHEN h.mode = 'immediate' THEN 0 ELSE h.rect_days END END AS rectified_on,
                       CASE WHEN h.state = 'accepted' THEN h.found_on + CASE WHEN h.mode = 'immediate' THEN 0
                            ELSE h.rect_days + h.accept_days END END AS accepted_on) r
            """,
            p,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["case"]} (id, created_at, updated_at, workflow, number, title, description, state, source,
                raised_on, due_on, accepted_at, assigned_at, started_at, returned_at, resolved_at, rated_at,
                reopened_at, resolution, rating, rating_note, card, yellow_at, red_at, yellow_count, is_open,
                created_by_id, handling_org_id, region_id, submitter_org_id, category_id, version)
            SELECT case_id, ts, now(), 'hazard', 'HA' || to_char(found_on, 'YYYY') || lpad(case_id::text, 7, '0'),
                   left(unit_name || ':' || txt, 200), txt, state, '', found_on, due_on, ts, NULL,
                   CASE WHEN state <> 'pending' THEN ts + interval '1 day' END, NULL,
                   CASE WHEN state = 'accepted' THEN (accepted_on + time '17:00') AT TIME ZONE 'Asia/Shanghai' END,
                   NULL, NULL, '', NULL, '',
                   CASE WHEN state = 'accepted' THEN 'none' WHEN red_on IS NOT NULL THEN 'red'
                        WHEN yellow_on IS NOT NULL THEN 'yellow' ELSE 'none' END,
                   yellow_on, red_on, CASE WHEN yellow_on IS NULL THEN 0 ELSE 1 END, state <> 'accepted',
                   NULL, handling_org_id, township_id, NULL,
                   CASE WHEN grade = 'major' THEN %(major)s ELSE %(general)s END, 1
            FROM (SELECT h.*, (h.found_on + time '09:00') AT TIME ZONE 'Asia/Shanghai' AS ts,
                         (%(texts)s::text[])[1 + h.rn %% %(ntext)s] AS txt FROM bench_haz h) x
            ORDER BY case_id
            """,
            p,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["hazard"]} (created_at, updated_at, longitude, latitude, description, grade, major_reason,
                mode, deadline, responsible_person, found_on, rectified_on, accepted_on, is_supervised,
                supervised_on, missing_plan, case_id, checklist_item_id, department_id, district_id, township_id,
                inspection_id, sector_id, unit_id)
            SELECT now(), now(), NULL, NULL, (%(texts)s::text[])[1 + rn %% %(ntext)s], grade,
                   CASE WHEN grade = 'major' THEN '经现场认定属重大事故隐患' ELSE '' END, mode, deadline,
                   '责任人' || (rn %% 97), found_on, rectified_on, accepted_on, grade = 'major',
                   CASE WHEN grade = 'major' THEN found_on END, false, case_id, NULL, department_id, %(district)s,
                   township_id, inspection_id, sector_id, unit_id
            FROM bench_haz ORDER BY case_id
            """,
            p,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["plan"]} (created_at, updated_at, goal, measures, funds, personnel, due_on,
                emergency_plan, created_by_id, hazard_id)
            SELECT now(), now(), '消除重大事故隐患', '停用整改、加装防护设施', 20, '单位安全管理部门', b.deadline,
                   '落实监护措施,制定应急预案', NULL, z.id
            FROM bench_haz b JOIN {t["hazard"]} z ON z.case_id = b.case_id
            WHERE b.grade = 'major' AND b.state <> 'pending'
            """,
            p,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["case_coorgs"]} (case_id, organization_id)
            SELECT DISTINCT case_id, o FROM bench_haz CROSS JOIN LATERAL (VALUES (department_id), (sector_dept)) v(o)
            WHERE o <> handling_org_id
            """,
        )
        # The opening event of each case's timeline, as the services and the import write it.
        _exec(
            c,
            f"""
            INSERT INTO {t["event"]} (case_id, kind, action, from_state, to_state, note, actor_id, actor_org_id,
                created_at)
            SELECT case_id, 'transition', 'open', '', 'pending', '受理,办结时限' || to_char(COALESCE(deadline, found_on), 'YYYY-MM-DD'),
                   NULL, NULL, (found_on + time '09:00') AT TIME ZONE 'Asia/Shanghai'
            FROM bench_haz ORDER BY case_id
            """,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["record"]} (case_id, card, issued_on, lifted_on, reason)
            SELECT case_id, 'yellow', yellow_on, accepted_on, 'overdue' FROM bench_haz WHERE yellow_on IS NOT NULL
            UNION ALL
            SELECT case_id, 'red', red_on, accepted_on, 'late' FROM bench_haz WHERE red_on IS NOT NULL
            """,
        )
        timings["hazards_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        _exec(
            c,
            f"""
            CREATE TEMPORARY TABLE bench_docs ON COMMIT DROP AS
            SELECT k, g, nextval(pg_get_serial_sequence('{t["document"]}', 'id')) AS id, i.id AS inspection_id,
                   i.unit_id, i.sector_id, i.township_id, i.department_id,
                   LEAST(i.inspected_on + (g %% 20)::int + CASE WHEN k = 'decision' THEN 10 ELSE 0 END, %(today)s) AS issued_on
            FROM (VALUES ('decision'), ('order')) v(k) CROSS JOIN generate_series(1, %(nd)s) g
            JOIN (SELECT row_number() OVER (ORDER BY id) AS n, * FROM bench_insp
                  WHERE kind IN ('enforcement', 'joint')) i
                 ON i.n = 1 + ((g::bigint * CASE WHEN k = 'decision' THEN 7919 ELSE 104729 END)
                               %% (SELECT count(*) FROM bench_insp WHERE kind IN ('enforcement', 'joint')))
            """,
            p,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["document"]} (id, created_at, updated_at, kind, number, issued_on, content, created_by_id,
                department_id, district_id, township_id, inspection_id, sector_id, unit_id)
            SELECT id, now(), now(), k,
                   CASE WHEN k = 'decision' THEN '潼应急罚〔' ELSE '潼应急责改〔' END || to_char(issued_on, 'YYYY')
                   || '〕' || g || '号', issued_on, '', NULL, department_id, %(district)s, township_id,
                   inspection_id, sector_id, unit_id
            FROM bench_docs ORDER BY id
            """,
            p,
        )
        _exec(
            c,
            f"""
            INSERT INTO {t["penalty"]} (document_id, kind, amount)
            SELECT id, kind, amount FROM (
                SELECT id, 'fine' AS kind, (1000 * (1 + (g::bigint * 7919) %% 100))::numeric AS amount, g
                FROM bench_docs WHERE k = 'decision' AND g %% 10 < 7
                UNION ALL SELECT id, 'warning', NULL, g FROM bench_docs WHERE k = 'decision' AND g %% 10 >= 5
                UNION ALL SELECT id, 'suspension', NULL, g FROM bench_docs WHERE k = 'decision' AND g %% 50 = 3
                UNION ALL SELECT id, 'confiscation', 5000, g FROM bench_docs WHERE k = 'decision' AND g %% 200 = 11
                UNION ALL SELECT id, 'license', NULL, g FROM bench_docs WHERE k = 'decision' AND g %% 500 = 13
                UNION ALL SELECT id, 'closure', NULL, g FROM bench_docs WHERE k = 'decision' AND g %% 1000 = 17
            ) x ORDER BY id, kind
            """,
        )
        timings["documents_s"] = time.perf_counter() - t0

        _exec(
            c,
            f"""
            INSERT INTO {t["accident"]} (created_at, updated_at, occurred_on, unit_name, deaths, serious_injuries,
                direct_loss, grade, summary, created_by_id, district_id, township_id, sector_id, unit_id)
            SELECT now(), now(), DATE '2016-01-15' + (g * 26)::int, u.name, CASE WHEN g %% 5 = 0 THEN 1 ELSE 0 END,
                   g %% 3, 10 + g, 'general', '基准事故', NULL::bigint, %(district)s, u.township_id, u.sector_id, u.id
            FROM generate_series(1, 150) g JOIN bench_units u ON u.rn = 1 + (g * 131) %% %(nu)s
            WHERE DATE '2016-01-15' + (g * 26)::int < %(today)s
            UNION ALL
            SELECT now(), now(), %(serious)s, u.name, 3, 0, 300, 'larger', '基准较大事故', NULL, %(district)s,
                   u.township_id, u.sector_id, u.id
            FROM bench_units u WHERE u.rn = 1
            """,
            {**p, "serious": date(today.year - 6, 5, 17)},
        )
    # VACUUM as well as ANALYZE: what autovacuum does to a settled database (the visibility map lets
    # index-only scans skip the heap; hint bits are set once, not by the first report).
    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
    timings["vacuum_analyze_s"] = time.perf_counter() - t0
    return {
        "reference": ref["reference"],
        "departments_with_inspectors": len(departments),
        **counts(district.pk),
        **{k: round(v, 1) for k, v in timings.items()},
    }


def counts(district_id: int) -> dict[str, int]:
    from django.db.models import Count, Q

    from tiaodu.cases.models import CardRecord, Case
    from tiaodu.safety import models as m

    hazards = m.Hazard.objects.filter(district_id=district_id).aggregate(
        n=Count("pk"),
        major=Count("pk", filter=Q(grade="major")),
        open=Count("pk", filter=Q(accepted_on__isnull=True)),
    )
    return {
        "units": m.Unit.objects.filter(district_id=district_id).count(),
        "inspectors": m.Inspector.objects.filter(region_id=district_id).count(),
        "inspections": m.Inspection.objects.filter(district_id=district_id).count(),
        "hazards": hazards["n"],
        "hazards_major": hazards["major"],
        "hazards_not_accepted": hazards["open"],
        "hazard_cases": Case.objects.filter(workflow="hazard").count(),
        "hazard_cases_open": Case.objects.filter(workflow="hazard", is_open=True).count(),
        "hazard_card_records": CardRecord.objects.filter(case__workflow="hazard").count(),
        "decisions": m.EnforcementDocument.objects.filter(district_id=district_id, kind="decision").count(),
        "orders": m.EnforcementDocument.objects.filter(district_id=district_id, kind="order").count(),
        "penalty_items": m.PenaltyItem.objects.filter(document__district_id=district_id).count(),
        "accidents": m.Accident.objects.filter(district_id=district_id).count(),
    }
