"""Employment (稳就业): job demand, jobseekers, job fairs, job buses, outcomes, matching.

- Reference data: ``Occupation`` (《职业分类大典(2022年版)》 codes, national, extendable by import),
  ``EmploymentSettings`` per district (the employment departments — 人社局, 就业服务中心 — whose staff
  may reveal personal data; the retention period; the consent text), ``MarketRule`` (a township's
  赶场 days, 公历 or 农历) and ``TownshipSeat`` (where a township's seat is: commute estimates).
- ``Vacancy`` (岗位) of an enterprise; it may come from an enterprise-service labour ``Need``.
- ``Jobseeker`` (求职者). The 居民身份证号 and the phone number are personal information: stored
  encrypted (``*_enc``, :mod:`tiaodu.core.pii`), found by a keyed hash (``*_hash``) and shown masked
  (``*_mask``) unless a role that may reveal them asks, each reveal audited.
- ``JobFair`` (招聘会) with its ``FairEnterprise`` rows (enterprises and the vacancies they bring)
  and ``FairAttendance`` (sign-ins).
- ``BusTrip`` (求职专车) with its ``BusStop`` pick-up points, destination enterprises and
  ``BusRider`` rows.
- ``Placement``: one jobseeker × one vacancy, from 意向 to the 90-day follow-up, each step dated
  (transition table in :mod:`tiaodu.employment.outcomes`).

Every figure of the report is computed from the dated facts (published_on, raised_on, held_on,
intended_on, hired_on …) and the township copied onto the fact when it was recorded.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tiaodu.core.concurrency import VersionedModel
from tiaodu.core.models import LocatedModel, ScopedModel, TimeStampedModel
from tiaodu.core.permissions import Scope
from tiaodu.employment.choices import (
    DEFAULT_COMMUTE_MINUTES,
    DEFAULT_CONSENT_PURPOSE,
    DEFAULT_RETENTION_DAYS,
    CalendarKind,
    Education,
    FairKind,
    LeaveReason,
    OccupationLevel,
    OutcomeState,
    RegisteredVia,
    Sex,
    Shift,
    SignInVia,
    VacancyStatus,
)

# Who may do what. 人社局 and 就业服务 staff (department role, through the district's employment
# departments) keep jobseekers, fairs, buses and outcomes; towns register their jobseekers and
# keep their fairs and buses; enterprises post vacancies and see the candidates who applied to or
# met them; leaders read the reference data, vacancies, fairs and buses (and the report), not
# the personal data of jobseekers.
REFERENCE_ACTIONS = {"leader": "view", "department": "view add change", "town": "view"}
CATALOGUE_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "town": "view",
    "squad": "view",
    "enterprise": "view",
    "owner": "view",
}
MARKET_ACTIONS = {"leader": "view", "department": "view add change", "town": "view add change"}
VACANCY_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "town": "view",
    "enterprise": "view add change",
}
JOBSEEKER_ACTIONS = {"department": "view add change", "town": "view add change", "enterprise": "view"}
FAIR_ACTIONS = {
    "leader": "view",
    "department": "view add change",
    "town": "view add change",
    "enterprise": "view",
}
BUS_ACTIONS = {"leader": "view", "department": "view add change", "town": "view add change"}
PLACEMENT_ACTIONS = {"department": "view add change", "town": "view add change", "enterprise": "view change"}


def _district() -> Any:
    return models.ForeignKey(
        "regions.Region", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )


def _township(label: Any = None, *, null: bool = False) -> Any:
    return models.ForeignKey(
        "regions.Region",
        verbose_name=label or _("所属镇街"),
        null=null,
        blank=null,
        on_delete=models.PROTECT,
        related_name="+",
    )


def _person(label: Any) -> Any:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def _service_org() -> Any:
    """The employment department a row is kept by (the district's 人社局 unless chosen otherwise):
    its department users keep the row and may reveal the personal data on it."""
    return models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("就业服务部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


# --- reference data ----------------------------------------------------------------------------


class Occupation(TimeStampedModel, ScopedModel):
    """A code of 《中华人民共和国职业分类大典(2022年版)》: 大类 "6", 中类 "6-05", 小类 "6-05-01",
    细类 "6-05-01-01". National, not per district; the shipped rows are loaded by migration and
    more can be imported (``tiaodu import occupations``)."""

    code = models.CharField(_("职业编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    level = models.PositiveSmallIntegerField(_("层级"), choices=OccupationLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    keywords = models.CharField(
        _("关键词"),
        max_length=255,
        blank=True,
        help_text=_("岗位名称中常见的说法,用于从岗位名称推荐职业编码"),
    )
    is_shipped = models.BooleanField(_("随平台提供"), default=False)

    scope = Scope(public_read=True, actions=CATALOGUE_ACTIONS)

    class Meta:
        ordering = ["code"]
        verbose_name = _("职业")
        verbose_name_plural = _("职业分类")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EmploymentSettings(TimeStampedModel, ScopedModel):
    """A district's settings: its employment departments (their staff may reveal personal data of
    the district's jobseekers), how long personal data is kept after the last activity, the
    purpose a jobseeker consents to, the default longest commute."""

    # Reached from the rows of the district (``district__employment_settings__departments``): the
    # employment departments keep every jobseeker, sign-in, rider and outcome of their district.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属区县"),
        on_delete=models.PROTECT,
        related_name="employment_settings",
    )
    departments = models.ManyToManyField(
        "orgs.Organization", verbose_name=_("就业服务部门"), blank=True, related_name="+"
    )
    retention_days = models.PositiveIntegerField(
        _("个人信息保存期限(天)"),
        default=DEFAULT_RETENTION_DAYS,
        help_text=_("自最后一次求职活动起超过该期限的求职者信息将被匿名化"),
    )
    consent_purpose = models.CharField(_("个人信息处理目的"), max_length=255, default=DEFAULT_CONSENT_PURPOSE)
    default_commute_minutes = models.PositiveSmallIntegerField(
        _("默认可接受通勤时间(分钟)"), default=DEFAULT_COMMUTE_MINUTES
    )

    scope = Scope(region="region", district_wide=True, actions=REFERENCE_ACTIONS)

    class Meta:
        verbose_name = _("就业服务设置")
        verbose_name_plural = _("就业服务设置")
        constraints = [models.UniqueConstraint(fields=["region"], name="employment_settings_region")]

    def __str__(self) -> str:
        return str(self.region)


class MarketRule(TimeStampedModel, ScopedModel):
    """A township's 赶场 rule: market on the days of the month whose last digit is in ``digits``
    ("147": the 1st, 4th, 7th, 11th, 14th … — 逢一四七赶场), counted on the 公历 or the 农历."""

    district = _district()
    township = _township()
    place = models.CharField(_("场镇"), max_length=64, blank=True)
    calendar = models.CharField(
        _("历法"), max_length=8, choices=CalendarKind.choices, default=CalendarKind.LUNAR
    )
    digits = models.CharField(_("逢几赶场"), max_length=10, help_text=_("日期末位数字,例如 147、258、369"))

    scope = Scope(region="township", district_wide=True, actions=MARKET_ACTIONS)

    class Meta:
        ordering = ["township", "pk"]
        verbose_name = _("赶场规则")
        verbose_name_plural = _("赶场规则")

    def __str__(self) -> str:
        return f"{self.township} {self.get_calendar_display()}逢{'、'.join(self.digits)}"


class TownshipSeat(TimeStampedModel, ScopedModel, LocatedModel):
    """Where a township's seat (镇街驻地) is: the origin of its jobseekers' commute estimates."""

    district = _district()
    township = models.OneToOneField(
        "regions.Region", verbose_name=_("镇街"), on_delete=models.CASCADE, related_name="+"
    )

    scope = Scope(region="township", district_wide=True, actions=MARKET_ACTIONS)

    class Meta:
        ordering = ["township"]
        verbose_name = _("镇街驻地")
        verbose_name_plural = _("镇街驻地")

    def __str__(self) -> str:
        return str(self.township)


# --- vacancies ----------------------------------------------------------------------------------


class Vacancy(TimeStampedModel, ScopedModel, LocatedModel, VersionedModel):
    """A 岗位 an enterprise offers. ``township`` is where the work is (the commute's end)."""

    district = _district()
    township = _township(_("工作地点所在镇街"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="vacancies"
    )
    title = models.CharField(_("岗位名称"), max_length=64)
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("职业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occupation_proposed = models.BooleanField(
        _("职业编码为平台推荐"), default=False, help_text=_("导入时未填职业编码,由平台根据岗位名称和要求推荐")
    )
    headcount = models.PositiveIntegerField(_("招聘人数"), validators=[MinValueValidator(1)])
    wage_min = models.PositiveIntegerField(_("月薪下限(元)"), null=True, blank=True)
    wage_max = models.PositiveIntegerField(_("月薪上限(元)"), null=True, blank=True)
    shift = models.CharField(_("班制"), max_length=12, choices=Shift.choices, blank=True)
    housing = models.BooleanField(_("提供住宿"), default=False)
    meals = models.BooleanField(_("提供工作餐"), default=False)
    education = models.CharField(_("学历要求"), max_length=16, choices=Education.choices, blank=True)
    skills = models.CharField(_("技能要求"), max_length=255, blank=True)
    certificates = models.CharField(_("证书要求"), max_length=255, blank=True)
    requirements = models.TextField(_("岗位要求"), blank=True)
    age_min = models.PositiveSmallIntegerField(_("年龄下限"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("年龄上限"), null=True, blank=True)
    age_ground = models.CharField(
        _("年龄限制依据"), max_length=255, blank=True, help_text=_("设置年龄限制时必须说明依据")
    )
    work_place = models.CharField(_("工作地点"), max_length=128, blank=True, help_text=_("园区或地址"))
    published_on = models.DateField(_("发布日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=VacancyStatus.choices, default=VacancyStatus.OPEN
    )
    need = models.ForeignKey(
        "enterprises.Need",
        verbose_name=_("来源用工需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vacancies",
        help_text=_("由企业服务中收集的用工需求转成的岗位"),
    )
    # The title, skills and requirements cut into words (jieba), space-separated: the matching
    # index is built from this column without cutting the text again.
    tokens = models.TextField(_("分词"), blank=True, editable=False)
    created_by = _person(_("登记人"))

    scope = Scope(
        region="district", district_wide=True, orgs=("enterprise__organization",), actions=VACANCY_ACTIONS
    )

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.CheckConstraint(
                condition=Q(wage_min__isnull=True)
                | Q(wage_max__isnull=True)
                | Q(wage_min__lte=models.F("wage_max")),
                name="employment_vacancy_wage_range",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "status", "published_on"], name="employment_vacancy_open"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("employment:vacancy-detail", args=[self.pk])


# --- jobseekers --------------------------------------------------------------------------------


class Jobseeker(TimeStampedModel, ScopedModel, VersionedModel):
    """A 求职者. Personal data: the ID number and the phone are encrypted (``*_enc``) and searched by
    keyed hash (``*_hash``); lists show ``*_mask``. Sex and birth date come from the ID number.
    ``township`` is the registering township (its town staff may reveal the data)."""

    district = _district()
    township = _township()
    village = models.CharField(_("村(社区)"), max_length=64, blank=True)
    name = models.CharField(_("姓名"), max_length=32)
    id_enc = models.TextField(_("身份证号(密文)"), editable=False)
    id_hash = models.CharField(_("身份证号检索码"), max_length=64, editable=False)
    id_mask = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone_enc = models.TextField(_("手机号(密文)"), blank=True, editable=False)
    phone_hash = models.CharField(_("手机号检索码"), max_length=64, blank=True, editable=False, db_index=True)
    phone_mask = models.CharField(_("手机号"), max_length=11, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, editable=False)
    education = models.CharField(_("文化程度"), max_length=16, choices=Education.choices, blank=True)
    experience = models.TextField(_("工作经历"), blank=True, help_text=_("例如:制衣厂、玩具厂工作经历"))
    skills = models.CharField(_("技能"), max_length=255, blank=True)
    certificates = models.CharField(_("证书"), max_length=255, blank=True)
    desired_occupations = models.ManyToManyField(
        Occupation, verbose_name=_("意向职业"), blank=True, related_name="+"
    )
    desired_text = models.CharField(_("求职意向"), max_length=255, blank=True)
    wage_expected = models.PositiveIntegerField(_("期望月薪(元)"), null=True, blank=True)
    max_commute_minutes = models.PositiveSmallIntegerField(_("最长可接受通勤(分钟)"), null=True, blank=True)
    needs_dorm = models.BooleanField(_("需要住宿"), default=False)
    groups = models.CharField(
        _("重点群体"), max_length=64, blank=True, help_text=_("PriorityGroup 代码,空格分隔")
    )
    consent_purpose = models.CharField(_("同意的处理目的"), max_length=255, blank=True)
    consented_on = models.DateField(_("同意日期"), null=True, blank=True)
    consent_withdrawn_on = models.DateField(_("撤回同意日期"), null=True, blank=True)
    registered_on = models.DateField(_("登记日期"))
    registered_via = models.CharField(
        _("登记方式"), max_length=8, choices=RegisteredVia.choices, default=RegisteredVia.STAFF
    )
    registered_fair = models.ForeignKey(
        "JobFair",
        verbose_name=_("登记的招聘会"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    last_active_on = models.DateField(_("最近求职活动日期"), null=True, blank=True)
    anonymised_on = models.DateField(_("匿名化日期"), null=True, blank=True)
    service_org = _service_org()
    tokens = models.TextField(_("分词"), blank=True, editable=False)
    registered_by = _person(_("登记人"))

    scope = Scope(
        town_region="township",
        orgs=(
            "service_org",
            "district__employment_settings__departments",
            "placements__enterprise__organization",
        ),
        actions=JOBSEEKER_ACTIONS,
    )

    class Meta:
        ordering = ["township", "-registered_on", "-pk"]
        verbose_name = _("求职者")
        verbose_name_plural = _("求职者")
        constraints = [
            models.UniqueConstraint(fields=["district", "id_hash"], name="employment_jobseeker_id"),
        ]
        indexes = [models.Index(fields=["id_hash"], name="employment_jobseeker_hash")]

    def __str__(self) -> str:
        return f"{self.masked_name} {self.id_mask}"

    def get_absolute_url(self) -> str:
        return reverse("employment:jobseeker-detail", args=[self.pk])

    @property
    def masked_name(self) -> str:
        from tiaodu.core.pii import mask_name

        return mask_name(self.name)

    @property
    def group_codes(self) -> list[str]:
        return self.groups.split()


# --- job fairs ------------------------------------------------------------------------------------


class JobFair(TimeStampedModel, ScopedModel):
    """A 招聘会. ``public_key`` names its public page (the QR code's address): open vacancies, no
    personal data, registration and sign-in for jobseekers."""

    district = _district()
    township = _township(_("举办镇街"))
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=12, choices=FairKind.choices)
    held_on = models.DateField(_("举办日期"))
    venue = models.CharField(_("地点"), max_length=128, blank=True)
    organisers = models.ManyToManyField(
        "orgs.Organization", verbose_name=_("主办单位"), blank=True, related_name="+"
    )
    enterprises: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "enterprises.Enterprise",
        verbose_name=_("参会企业"),
        through="FairEnterprise",
        blank=True,
        related_name="job_fairs",
    )
    public_key = models.UUIDField(_("公开页标识"), default=uuid.uuid4, unique=True, editable=False)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    created_by = _person(_("登记人"))

    scope = Scope(
        region="district",
        district_wide=True,
        orgs=("enterprises__organization",),
        actions=FAIR_ACTIONS,
    )

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("招聘会")
        verbose_name_plural = _("招聘会")
        constraints = [
            models.UniqueConstraint(fields=["district", "name", "held_on"], name="employment_fair_name_date")
        ]
        indexes = [models.Index(fields=["district", "kind", "held_on"], name="employment_fair_kind_date")]

    def __str__(self) -> str:
        return f"{self.name}({self.held_on})"

    def get_absolute_url(self) -> str:
        return reverse("employment:fair-detail", args=[self.pk])


class FairEnterprise(TimeStampedModel, ScopedModel):
    """An enterprise at a fair and the vacancies it brings there."""

    fair = models.ForeignKey(
        JobFair, verbose_name=_("招聘会"), on_delete=models.CASCADE, related_name="booths"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    vacancies = models.ManyToManyField(Vacancy, verbose_name=_("提供岗位"), blank=True, related_name="booths")

    scope = Scope(
        region="fair__district", district_wide=True, orgs=("enterprise__organization",), actions=FAIR_ACTIONS
    )

    class Meta:
        verbose_name = _("参会企业")
        verbose_name_plural = _("参会企业")
        constraints = [models.UniqueConstraint(fields=["fair", "enterprise"], name="employment_booth_unique")]

    def __str__(self) -> str:
        return f"{self.fair} · {self.enterprise}"


class FairAttendance(TimeStampedModel, ScopedModel):
    """A jobseeker signed in at a fair."""

    fair = models.ForeignKey(
        JobFair, verbose_name=_("招聘会"), on_delete=models.CASCADE, related_name="attendances"
    )
    jobseeker = models.ForeignKey(
        Jobseeker, verbose_name=_("求职者"), on_delete=models.CASCADE, related_name="attendances"
    )
    via = models.CharField(_("签到方式"), max_length=8, choices=SignInVia.choices, default=SignInVia.STAFF)
    signed_in_at = models.DateTimeField(_("签到时间"))
    signed_in_by = _person(_("登记人"))

    scope = Scope(
        town_region="jobseeker__township",
        orgs=("jobseeker__service_org", "jobseeker__district__employment_settings__departments"),
        actions=JOBSEEKER_ACTIONS,
    )

    class Meta:
        ordering = ["-signed_in_at", "-pk"]
        verbose_name = _("招聘会签到")
        verbose_name_plural = _("招聘会签到")
        constraints = [
            models.UniqueConstraint(fields=["fair", "jobseeker"], name="employment_attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.fair} · {self.jobseeker}"


# --- job buses ------------------------------------------------------------------------------------


class BusTrip(TimeStampedModel, ScopedModel):
    """A 求职专车 trip on a date: from towns' pick-up points to enterprises' gates."""

    district = _district()
    name = models.CharField(_("名称"), max_length=128)
    run_on = models.DateField(_("发车日期"))
    seats = models.PositiveSmallIntegerField(_("座位数"), validators=[MinValueValidator(1)])
    enterprises = models.ManyToManyField(
        "enterprises.Enterprise", verbose_name=_("送达企业"), blank=True, related_name="+"
    )
    fair = models.ForeignKey(
        JobFair,
        verbose_name=_("对应招聘会"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="buses",
    )
    note = models.CharField(_("备注"), max_length=255, blank=True)
    created_by = _person(_("登记人"))

    scope = Scope(region="district", district_wide=True, actions=BUS_ACTIONS)

    class Meta:
        ordering = ["-run_on", "-pk"]
        verbose_name = _("求职专车")
        verbose_name_plural = _("求职专车")
        indexes = [models.Index(fields=["district", "run_on"], name="employment_bus_date")]

    def __str__(self) -> str:
        return f"{self.name}({self.run_on})"

    def get_absolute_url(self) -> str:
        return reverse("employment:bus-detail", args=[self.pk])


class BusStop(TimeStampedModel, ScopedModel):
    """A pick-up point of a trip (e.g. 古溪镇场镇)."""

    trip = models.ForeignKey(BusTrip, verbose_name=_("专车"), on_delete=models.CASCADE, related_name="stops")
    township = _township()
    point = models.CharField(_("上车点"), max_length=64)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    scope = Scope(region="trip__district", district_wide=True, actions=BUS_ACTIONS)

    class Meta:
        ordering = ["trip", "order", "pk"]
        verbose_name = _("上车点")
        verbose_name_plural = _("上车点")

    def __str__(self) -> str:
        return f"{self.township} {self.point}"


class BusRider(TimeStampedModel, ScopedModel):
    """A jobseeker on a trip; what came of the ride is the rider's ``Placement`` rows with this trip."""

    trip = models.ForeignKey(BusTrip, verbose_name=_("专车"), on_delete=models.CASCADE, related_name="riders")
    stop = models.ForeignKey(
        BusStop,
        verbose_name=_("上车点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="riders",
    )
    jobseeker = models.ForeignKey(
        Jobseeker, verbose_name=_("求职者"), on_delete=models.PROTECT, related_name="bus_rides"
    )
    township = _township()

    scope = Scope(
        town_region="township",
        orgs=("jobseeker__service_org", "jobseeker__district__employment_settings__departments"),
        actions=JOBSEEKER_ACTIONS,
    )

    class Meta:
        ordering = ["trip", "pk"]
        verbose_name = _("乘车求职者")
        verbose_name_plural = _("乘车求职者")
        constraints = [models.UniqueConstraint(fields=["trip", "jobseeker"], name="employment_rider_unique")]

    def __str__(self) -> str:
        return f"{self.trip} · {self.jobseeker}"


# --- outcomes -------------------------------------------------------------------------------------


class Placement(TimeStampedModel, ScopedModel, VersionedModel):
    """One jobseeker × one vacancy: 意向 → 面试 → 录用 → 入职 → 30/90天回访. Each step has its date;
    the moves are the table ``tiaodu.employment.outcomes.TRANSITIONS``. ``township`` is the
    jobseeker's township when the intention was recorded (figures per township)."""

    district = _district()
    township = _township()
    jobseeker = models.ForeignKey(
        Jobseeker, verbose_name=_("求职者"), on_delete=models.PROTECT, related_name="placements"
    )
    vacancy = models.ForeignKey(
        Vacancy, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="placements"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("职业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fair = models.ForeignKey(
        JobFair,
        verbose_name=_("招聘会"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placements",
    )
    trip = models.ForeignKey(
        BusTrip,
        verbose_name=_("求职专车"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placements",
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=OutcomeState.choices, default=OutcomeState.INTENDED, db_index=True
    )
    intended_on = models.DateField(_("达成意向日期"))
    interviewed_on = models.DateField(_("面试日期"), null=True, blank=True)
    hired_on = models.DateField(_("录用日期"), null=True, blank=True)
    started_on = models.DateField(_("入职日期"), null=True, blank=True)
    checked_30_on = models.DateField(_("30天回访日期"), null=True, blank=True)
    employed_30 = models.BooleanField(_("30天在岗"), null=True, blank=True)
    checked_90_on = models.DateField(_("90天回访日期"), null=True, blank=True)
    employed_90 = models.BooleanField(_("90天在岗"), null=True, blank=True)
    ended_on = models.DateField(_("离岗/终止日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=12, choices=LeaveReason.choices, blank=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    service_org = _service_org()
    created_by = _person(_("登记人"))

    scope = Scope(
        town_region="township",
        orgs=("service_org", "district__employment_settings__departments", "enterprise__organization"),
        actions=PLACEMENT_ACTIONS,
    )

    class Meta:
        ordering = ["-intended_on", "-pk"]
        verbose_name = _("求职对接")
        verbose_name_plural = _("求职对接")
        constraints = [
            models.UniqueConstraint(fields=["jobseeker", "vacancy"], name="employment_placement_unique")
        ]
        indexes = [
            models.Index(fields=["district", "intended_on"], name="employment_placement_intended"),
            models.Index(fields=["district", "hired_on"], name="employment_placement_hired"),
        ]

    def __str__(self) -> str:
        return f"{self.jobseeker} → {self.vacancy}"

    def get_absolute_url(self) -> str:
        return reverse("employment:placement-detail", args=[self.pk])
