from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from tiaodu.core.api import READ_ERRORS, PageNumber
from tiaodu.core.permissions import get_scoped
from tiaodu.regions.filters import RegionFilter
from tiaodu.regions.models import PeerGroup, Region
from tiaodu.regions.services import normalize_code

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None
    path: str

    @staticmethod
    def resolve_level_label(obj: Region) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.path.rstrip("/").rsplit("/", 2)[-2] if obj.parent_id else None


class PeerGroupOut(Schema):
    id: int
    scheme: str
    name: str
    parent_code: str
    member_codes: list[str]

    @staticmethod
    def resolve_parent_code(obj: PeerGroup) -> str:
        return obj.parent.code

    @staticmethod
    def resolve_member_codes(obj: PeerGroup) -> list[str]:
        return sorted(m.code for m in obj.members.all())


@router.get("", response={200: list[RegionOut], **READ_ERRORS}, summary="区划列表")
@paginate(PageNumber)
def list_regions(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    return filters.filter(Region.objects.restrict(request.user).order_by("code"))


@router.get("/peer-groups", response={200: list[PeerGroupOut], **READ_ERRORS}, summary="考核组")
def list_peer_groups(request: HttpRequest) -> Any:
    return PeerGroup.objects.restrict(request.user).select_related("parent").prefetch_related("members")


@router.get("/{code}", response={200: RegionOut, **READ_ERRORS}, summary="区划详情")
def get_region(request: HttpRequest, code: str) -> Any:
    return get_scoped(Region, request.user, code=normalize_code(code))
