"""公文发文设置: every government role of the district reads the issuing profiles, only
administrators change them, and a saved profile is what the next document carries (ADR 0039)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FIELDS = {
    "kind": "safety",
    "issuer": "重庆市潼南区安全生产委员会办公室",
    "mark": "潼南区安全生产委员会办公室文件",
    "number_prefix": "潼安委办",
    "addressee": "各镇街,区安委会成员单位",
    "cc": "区委办公室\n区政府办公室",
    "printer": "",
}


def test_everyone_in_government_reads_the_defaults(client_for: Any, users: Any) -> None:
    url = reverse("officialdoc:profiles")
    page = client_for(users["jxw"]).get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<tr data-kind="bulletin">' in html and "重庆市潼南区经济和信息化委员会文件" in html
    assert "潼经信〔" in html and "重庆市潼南区应急管理局文件" in html
    assert 'href="?kind=' not in html and 'id="profile-form"' not in html  # no change for departments
    assert client_for(users["qiye"]).get(url).status_code == 403  # enterprises: not theirs
    assert f'href="{url}"' not in html  # the menu entry is the administrators'
    assert f'href="{url}"' in client_for(users["admin"]).get("/").content.decode()


def test_admin_changes_a_profile_and_documents_follow(client_for: Any, users: Any) -> None:
    from tiaodu.core.models import IssuingProfile
    from tiaodu.core.officialdoc.profiles import official_document

    client = client_for(users["admin"])
    url = reverse("officialdoc:profiles")
    form = client.get(url, {"kind": "safety"}).content.decode()
    assert 'id="profile-form"' in form and 'value="重庆市潼南区应急管理局"' in form  # the defaults prefilled
    saved = client.post(url, FIELDS)
    assert saved.status_code == 302
    row = IssuingProfile.objects.get(kind="safety")
    assert row.region.code == "500152" and row.cc == "区委办公室\n区政府办公室"
    doc = official_document(
        "safety", row.region, "关于安全生产检查情况的通报", signed_on=date(2022, 4, 1), number=5
    )
    assert doc.letterhead.mark == "潼南区安全生产委员会办公室文件"
    assert doc.letterhead.number == "潼安委办〔2022〕5号"
    assert doc.printer == "重庆市潼南区安全生产委员会办公室"  # an office prints its own documents
    listing = client.get(url).content.decode()
    assert "潼南区安全生产委员会办公室文件" in listing

    refused = client.post(url, FIELDS | {"issuer": " "})
    assert refused.status_code == 422 and IssuingProfile.objects.get(kind="safety").issuer == FIELDS["issuer"]
    assert client.get(url, {"kind": "nope"}).status_code == 404


def test_others_may_not_change_profiles(client_for: Any, users: Any) -> None:
    from tiaodu.core.models import IssuingProfile

    url = reverse("officialdoc:profiles")
    for name in ("leader", "jxw"):
        assert client_for(users[name]).post(url, FIELDS).status_code == 403
    assert not IssuingProfile.objects.exists()
