"""The side menu: each entry is shown to roles whose permissions reach its model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

GOVERNMENT = ("admin", "leader", "department", "town", "squad")
CASE_WORKERS = ("admin", "leader", "department", "town")
# The pipeline's amounts and rates are commercial secrets: towns see only their own leads and stages.
INVESTMENT_READERS = ("admin", "leader", "department", "squad")
# 安全生产: 应急管理局 and the sector departments, town safety offices, leaders (enterprises get their hazards).
SAFETY_STAFF = ("admin", "leader", "department", "town")
# 稳就业: 人社局 and 就业服务 staff, towns; leaders read vacancies, fairs, buses and the report, not
# the jobseekers (personal information); enterprises post vacancies and follow their candidates.
EMPLOYMENT_STAFF = ("admin", "leader", "department", "town")
JOBSEEKER_KEEPERS = ("admin", "department", "town")


@dataclass(frozen=True)
class MenuItem:
    label: Any
    url_name: str
    perm: str | None = None  # "app.action_model"; None = every signed-in user
    roles: tuple[str, ...] = ()  # only these roles (empty = any role holding ``perm``)

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def shown_to(self, user: Any) -> bool:
        if self.roles and getattr(user, "role", None) not in self.roles:
            return False
        return self.perm is None or bool(user.has_perm(self.perm))


MENU: list[MenuItem] = [
    MenuItem(_("工作台"), "dashboard:home"),
    MenuItem(_("我的企业"), "enterprises:portal", "enterprises.view_enterprise", ("enterprise",)),
    MenuItem(_("企业服务"), "enterprises:list", "enterprises.view_enterprise", GOVERNMENT),
    MenuItem(_("重点项目"), "projects:list", "projects.view_project"),
    MenuItem(_("项目一张图"), "projects:map", "projects.view_project"),
    MenuItem(_("调度任务"), "dispatch:list", "dispatch.view_dispatchround", (*GOVERNMENT, "owner")),
    MenuItem(_("集中活动"), "events:list", "events.view_collectiveevent", GOVERNMENT),
    MenuItem(_("招商项目"), "investment:list", "investment.view_investmentproject", GOVERNMENT),
    MenuItem(_("招商线索"), "investment:lead-list", "investment.view_lead", GOVERNMENT),
    MenuItem(_("招商分析"), "investment:analysis", "investment.view_investmentproject", INVESTMENT_READERS),
    MenuItem(_("企业库"), "investment:targets", "investment.view_targetcompany", GOVERNMENT),
    MenuItem(_("资源库"), "investment:resources", "investment.view_resource", GOVERNMENT),
    MenuItem(_("政策库"), "investment:policies", "investment.view_policy"),
    MenuItem(_("招商管理设置"), "investment:settings", "investment.change_pipelinesettings"),
    MenuItem(_("生产经营单位"), "safety:unit-list", "safety.view_unit", SAFETY_STAFF),
    MenuItem(_("现场检查"), "safety:inspection-create", "safety.add_inspection", ("department", "town")),
    MenuItem(_("检查与隐患"), "safety:hazard-board", "safety.view_hazard", SAFETY_STAFF),
    MenuItem(_("企业自查"), "safety:self-inspection", "safety.add_inspection", ("enterprise",)),
    MenuItem(_("我的隐患"), "safety:hazard-list", "safety.view_hazard", ("enterprise",)),
    MenuItem(
        _("双随机抽查"), "safety:plan-list", "safety.view_inspectionplan", ("admin", "leader", "department")
    ),
    MenuItem(_("执法与事故"), "safety:document-list", "safety.view_enforcementdocument", SAFETY_STAFF),
    MenuItem(_("安全生产情况"), "safety:report", "safety.view_inspection", SAFETY_STAFF),
    MenuItem(_("安全生产一张图"), "safety:map", "safety.view_unit", SAFETY_STAFF),
    MenuItem(_("岗位信息"), "employment:vacancy-list", "employment.view_vacancy", EMPLOYMENT_STAFF),
    MenuItem(_("我的岗位"), "employment:vacancy-list", "employment.view_vacancy", ("enterprise",)),
    MenuItem(_("求职登记"), "employment:jobseeker-register", "employment.add_jobseeker", JOBSEEKER_KEEPERS),
    MenuItem(_("求职者"), "employment:jobseeker-list", "employment.view_jobseeker", JOBSEEKER_KEEPERS),
    MenuItem(
        _("招聘会"), "employment:fair-list", "employment.view_jobfair", (*EMPLOYMENT_STAFF, "enterprise")
    ),
    MenuItem(
        _("招聘会计划"), "employment:fair-planner", "employment.add_jobfair", ("admin", "department", "town")
    ),
    MenuItem(_("稳就业数据导入"), "employment:import", "employment.add_vacancy", ("admin", "department")),
    MenuItem(_("求职专车"), "employment:bus-list", "employment.view_bustrip", EMPLOYMENT_STAFF),
    MenuItem(
        _("求职对接"),
        "employment:placement-list",
        "employment.view_placement",
        (*JOBSEEKER_KEEPERS, "enterprise"),
    ),
    MenuItem(_("就业回访"), "employment:follow-ups", "employment.view_placement", JOBSEEKER_KEEPERS),
    MenuItem(_("稳就业情况"), "employment:report", "employment.view_vacancy", EMPLOYMENT_STAFF),
    MenuItem(
        _("职业分类与赶场日"), "employment:occupation-list", "employment.view_occupation", EMPLOYMENT_STAFF
    ),
    MenuItem(
        _("就业服务设置"),
        "employment:settings",
        "employment.change_employmentsettings",
        ("admin", "department"),
    ),
    MenuItem(_("经济运行监测"), "monitoring:dashboard", "monitoring.view_indexvalue", GOVERNMENT),
    MenuItem(_("月通报"), "monitoring:bulletin", "monitoring.view_indexvalue", GOVERNMENT),
    MenuItem(_("监测报送"), "reporting:list", "reporting.view_reportinground", (*GOVERNMENT, "enterprise")),
    MenuItem(_("企业产值预警"), "reporting:alerts", "reporting.view_outputalert", GOVERNMENT),
    MenuItem(_("年度目标"), "targets:list", "targets.view_target", GOVERNMENT),
    MenuItem(_("诉求办理"), "cases:inbox", "cases.view_case", CASE_WORKERS),
    MenuItem(_("红黄牌督办"), "cases:board", "cases.view_case", CASE_WORKERS),
    MenuItem(_("组织机构"), "orgs:list", "orgs.view_organization"),
    MenuItem(_("用户管理"), "accounts:user_list", "accounts.add_user"),
    MenuItem(_("新区县上线"), "orgs:onboarding", "accounts.add_user", ("admin",)),
    MenuItem(_("行政区划"), "regions:list", "regions.view_region"),
    MenuItem(_("公文发文设置"), "officialdoc:profiles", "core.view_issuingprofile", ("admin",)),
    MenuItem(_("审计日志"), "audit:changes", "audit.view_securityevent"),
    MenuItem(_("后台任务"), "audit:tasks", "audit.view_taskrun"),
    MenuItem(_("我的导出"), "jobs:list"),
    MenuItem(_("API令牌"), "accounts:tokens"),
]


def menu_for(user: Any) -> list[MenuItem]:
    return [item for item in MENU if item.shown_to(user)]
