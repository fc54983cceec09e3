"""Fair and bus forms (lane D): the list filters (HTML lists, exports and the API share them), the
fair form, booth, sign-in, intention and planner forms, the trip and rider forms, and the public
self-registration form. The forms only shape input; the services in :mod:`tiaodu.employment.fairs`
and :mod:`tiaodu.employment.buses` check and write."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field

from tiaodu.core.filters import TextSafeFilterSchema
from tiaodu.core.forms import SearchSelectMultiple, StyledForm
from tiaodu.employment.choices import Education, FairKind, VacancyStatus
from tiaodu.employment.models import BusStop, FairAttendance, FairEnterprise, JobFair, Vacancy
from tiaodu.enterprises.models import Enterprise
from tiaodu.orgs.choices import OrgKind
from tiaodu.orgs.models import Organization
from tiaodu.regions.choices import Level
from tiaodu.regions.models import Region

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_PLANNER_DAYS = 366


# --- choices ---------------------------------------------------------------------------------------


def township_choices(district: Region) -> list[tuple[Any, str]]:
    towns = Region.objects.filter(path__startswith=district.path, level=Level.TOWNSHIP).order_by("code")
    return [(t.pk, t.name) for t in towns]


def enterprise_choices(district: Region) -> list[tuple[Any, str]]:
    rows = Enterprise.objects.filter(township__path__startswith=district.path).order_by("name")
    return [(e.pk, e.name) for e in rows]


def open_vacancy_choices(district: Region, enterprise_ids: Any = None) -> list[tuple[Any, str]]:
    today = timezone.localdate()
    qs = (
        Vacancy.objects.filter(district=district, status=VacancyStatus.OPEN)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("enterprise")
        .order_by("enterprise__name", "title", "pk")
    )
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    return [(v.pk, f"{v.enterprise.name} · {v.title}({v.headcount}人)") for v in qs[:1000]]


def organiser_choices(district: Region) -> list[tuple[Any, str]]:
    orgs = Organization.objects.filter(
        region__path__startswith=district.path,
        kind__in=(OrgKind.DEPARTMENT, OrgKind.TOWN, OrgKind.GOVERNMENT),
        is_active=True,
    ).order_by("kind", "name")
    return [(o.pk, o.name) for o in orgs]


def fair_choices(district: Region) -> list[tuple[Any, Any]]:
    rows = JobFair.objects.filter(district=district).order_by("-held_on", "-pk")[:200]
    return [("", _("(无)")), *((f.pk, f"{f.held_on:%Y-%m-%d} {f.name}") for f in rows)]


# --- list filters ----------------------------------------------------------------------------------


class FairFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="招聘会名称或地点包含")
    kind: FairKind | None = Field(
        None,
        description="类型:spring 春风行动专场、market_day 赶场天专场、park 园区招聘会、online 网络招聘会",
    )
    township: int | None = Field(None, ge=1, le=2**62, description="举办镇街编号")
    date_from: date | None = Field(None, description="举办日期起")
    date_to: date | None = Field(None, description="举办日期止")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) | Q(venue__contains=value) if value else Q()

    def filter_kind(self, value: str | None) -> Q:
        return Q(kind=value) if value else Q()

    def filter_township(self, value: int | None) -> Q:
        return Q(township_id=value) if value else Q()

    def filter_date_from(self, value: date | None) -> Q:
        return Q(held_on__gte=value) if value else Q()

    def filter_date_to(self, value: date | None) -> Q:
        return Q(held_on__lte=value) if value else Q()


class BusFilter(TextSafeFilterSchema):
    q: str | None = Field(None, max_length=64, description="专车名称包含")
    fair: int | None = Field(None, ge=1, le=2**62, description="对应招聘会编号")
    date_from: date | None = Field(None, description="发车日期起")
    date_to: date | None = Field(None, description="发车日期止")

    def filter_q(self, value: str | None) -> Q:
        return Q(name__contains=value) if value else Q()

    def filter_fair(self, value: int | None) -> Q:
        return Q(fair_id=value) if value else Q()

    def filter_date_from(self, value: date | None) -> Q:
        return Q(run_on__gte=value) if value else Q()

    def filter_date_to(self, value: date | None) -> Q:
        return Q(run_on__lte=value) if value else Q()


# --- fairs -----------------------------------------------------------------------------------------


class FairForm(StyledForm):
    township = forms.TypedChoiceField(label=_("举办镇街"), coerce=int)
    name = forms.CharField(label=_("名称"), max_length=128)
    kind = forms.ChoiceField(label=_("类型"), choices=FairKind.choices)
    held_on = forms.DateField(label=_("举办日期"), widget=DATE_INPUT)
    venue = forms.CharField(label=_("地点"), max_length=128, required=False)
    organisers = forms.TypedMultipleChoiceField(
        label=_("主办单位"), coerce=int, required=False, widget=SearchSelectMultiple()
    )
    note = forms.CharField(label=_("备注"), max_length=255, required=False)

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = township_choices(district)  # type: ignore[attr-defined]
        self.fields["organisers"].choices = organiser_choices(district)  # type: ignore[attr-defined]


class BoothForm(StyledForm):
    enterprise = forms.TypedChoiceField(label=_("企业"), coerce=int)
    vacancies = forms.TypedMultipleChoiceField(
        label=_("提供岗位"),
        coerce=int,
        required=False,
        help_text=_("只能选择该企业自己的岗位"),
        widget=SearchSelectMultiple(),
    )

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = enterprise_choices(district)  # type: ignore[attr-defined]
        self.fields["vacancies"].choices = open_vacancy_choices(district)  # type: ignore[attr-defined]


class SignInForm(StyledForm):
    """The staff's sign-in: the 身份证号 first; when the district has no such jobseeker, the
    registration fields (name, township, phone, consent) are asked for on the same form."""

    id_number = forms.CharField(label=_("身份证号"), max_length=18, min_length=15)
    name = forms.CharField(label=_("姓名"), max_length=32, required=False)
    township = forms.TypedChoiceField(label=_("所属镇街"), coerce=int, required=False, empty_value=None)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    consent = forms.BooleanField(label=_("本人同意个人信息处理"), required=False)

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", _("请选择")), *township_choices(district)]  # type: ignore[attr-defined]
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})


class IntentionForm(StyledForm):
    attendee = forms.TypedChoiceField(label=_("已签到求职者"), coerce=int, required=False, empty_value=None)
    id_number = forms.CharField(label=_("或输入身份证号"), max_length=18, required=False)
    vacancy = forms.TypedChoiceField(label=_("意向岗位"), coerce=int)

    def __init__(self, *args: Any, fair: JobFair, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attendees = (
            FairAttendance.objects.restrict(user)  # type: ignore[attr-defined]
            .filter(fair=fair)
            .select_related("jobseeker")
            .order_by("-signed_in_at")[:500]
        )
        self.fields["attendee"].choices = [  # type: ignore[attr-defined]
            ("", _("请选择")),
            *((a.jobseeker_id, f"{a.jobseeker.masked_name} {a.jobseeker.id_mask}") for a in attendees),
        ]
        enterprise_ids = FairEnterprise.objects.filter(fair=fair).values("enterprise_id")
        self.fields["vacancy"].choices = open_vacancy_choices(fair.district, enterprise_ids)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is not None and not cleaned.get("attendee") and not cleaned.get("id_number"):
            self.add_error("attendee", _("请选择求职者或输入身份证号"))
        return cleaned


class PlannerForm(StyledForm):
    date_from = forms.DateField(label=_("起始日期"), widget=DATE_INPUT)
    date_to = forms.DateField(label=_("截止日期"), widget=DATE_INPUT)
    townships = forms.TypedMultipleChoiceField(
        label=_("镇街"),
        coerce=int,
        required=False,
        help_text=_("不选为全部有赶场规则的镇街"),
        widget=SearchSelectMultiple(),
    )

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["townships"].choices = township_choices(district)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        start, end = (cleaned or {}).get("date_from"), (cleaned or {}).get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("截止日期不能早于起始日期"))
            elif (end - start).days > MAX_PLANNER_DAYS:
                self.add_error("date_to", _("一次最多安排一年"))
        return cleaned


# --- buses -----------------------------------------------------------------------------------------


class TripForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=128)
    run_on = forms.DateField(label=_("发车日期"), widget=DATE_INPUT)
    seats = forms.IntegerField(label=_("座位数"), min_value=1, max_value=200)
    stops = forms.CharField(
        label=_("上车点"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个:镇街 上车地点,例如“古溪镇 古溪场镇车站”,按发车顺序填写"),
    )
    enterprises = forms.TypedMultipleChoiceField(
        label=_("送达企业"), coerce=int, required=False, widget=SearchSelectMultiple()
    )
    fair = forms.TypedChoiceField(label=_("对应招聘会"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("备注"), max_length=255, required=False)

    def __init__(self, *args: Any, district: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprises"].choices = enterprise_choices(district)  # type: ignore[attr-defined]
        self.fields["fair"].choices = fair_choices(district)  # type: ignore[attr-defined]

    def clean_stops(self) -> list[tuple[str, str]]:
        rows = []
        for line in str(self.cleaned_data.get("stops") or "").splitlines():
            parts = line.replace("\u3000", " ").strip().split(None, 1)
            if parts:
                rows.append((parts[0], parts[1] if len(parts) > 1 else ""))
        if not rows:
            raise forms.ValidationError(_("请至少填写一个上车点"))
        return rows


class RiderForm(StyledForm):
    id_number = forms.CharField(label=_("身份证号"), max_length=18, min_length=15)
    stop = forms.TypedChoiceField(label=_("上车点"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, trip: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stops = BusStop.objects.filter(trip=trip).select_related("township").order_by("order", "pk")
        self.fields["stop"].choices = [("", _("请选择")), *((s.pk, str(s)) for s in stops)]  # type: ignore[attr-defined]
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off"})


class BusIntentionForm(StyledForm):
    rider = forms.TypedChoiceField(label=_("乘车求职者"), coerce=int)
    vacancy = forms.TypedChoiceField(label=_("意向岗位"), coerce=int)

    def __init__(self, *args: Any, trip: Any, riders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rider"].choices = [  # type: ignore[attr-defined]
            (r.jobseeker_id, f"{r.jobseeker.masked_name} {r.jobseeker.id_mask}") for r in riders
        ]
        ids = list(trip.enterprises.values_list("pk", flat=True)) or None
        self.fields["vacancy"].choices = open_vacancy_choices(trip.district, ids)  # type: ignore[attr-defined]


# --- the public page -------------------------------------------------------------------------------


class PublicRegisterForm(StyledForm):
    """Self-registration on a phone at the fair (no login). Nothing personal is shown back."""

    name = forms.CharField(label=_("姓名"), max_length=32)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, min_length=18)
    phone = forms.CharField(label=_("手机号"), max_length=11, min_length=11)
    township = forms.TypedChoiceField(label=_("户籍或居住镇街"), coerce=int)
    village = forms.CharField(label=_("村(社区)"), max_length=64, required=False)
    education = forms.ChoiceField(label=_("文化程度"), choices=Education.choices, required=False)
    experience = forms.CharField(
        label=_("工作经历"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如:在制衣厂做过三年缝纫工"),
    )
    desired_text = forms.CharField(label=_("想找的工作"), max_length=255, required=False)
    wage_expected = forms.IntegerField(label=_("期望月薪(元)"), min_value=0, max_value=100000, required=False)
    needs_dorm = forms.BooleanField(label=_("需要住宿"), required=False)
    consent = forms.BooleanField(label=_("我同意"), required=True)

    def __init__(self, *args: Any, district: Region, purpose: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", _("请选择")), *township_choices(district)]  # type: ignore[attr-defined]
        if purpose:
            self.fields["consent"].help_text = _("本人同意将以上信息%(purpose)s。") % {"purpose": purpose}
        for name, mode in (("id_number", "text"), ("phone", "tel"), ("wage_expected", "numeric")):
            self.fields[name].widget.attrs["inputmode"] = mode
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
