"""The enterprise contact's phone is personal information (个人信息保护法): encrypted in the
database, masked in pages, the API, exports and the change log, revealed only to those who keep
the enterprise, every reveal and refusal in the security log."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import connection

from tiaodu.accounts.models import User
from tiaodu.audit.choices import EventKind
from tiaodu.audit.models import SecurityEvent
from tiaodu.cases.tests.factories import GUXI, credit_code
from tiaodu.core import pii
from tiaodu.core.errors import ServiceError
from tiaodu.enterprises import services
from tiaodu.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db
PHONE = "13907654321"


@pytest.fixture
def firm(users: dict[str, User]) -> Enterprise:
    made, _created = services.save_enterprise(
        users["guxi"],
        credit_code(301),
        GUXI,
        name="重庆联系电话测试有限公司",
        contact_name="王五",
        contact_phone=PHONE,
    )
    return made


def test_stored_encrypted_read_masked(firm: Enterprise) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_phone_enc, contact_phone_hash, contact_phone_mask FROM enterprises_enterprise WHERE id = %s",
            [firm.pk],
        )
        enc, hashed, mask = cursor.fetchone()
    assert PHONE not in enc and PHONE not in hashed and PHONE[3:7] not in mask
    assert mask == firm.contact_phone == "139****4321"
    assert hashed == pii.blind_index(PHONE, field="contact_phone")
    # Found by its keyed hash, without decrypting anything.
    assert (
        Enterprise.objects.get(contact_phone_hash=pii.blind_index(f" {PHONE} ", field="contact_phone"))
        == firm
    )


def test_mask_written_back_changes_nothing(firm: Enterprise, users: dict[str, User]) -> None:
    before = Enterprise.objects.get(pk=firm.pk).contact_phone_enc
    services.save_enterprise(users["guxi"], firm.credit_code, GUXI, contact_phone="139****4321")
    assert Enterprise.objects.get(pk=firm.pk).contact_phone_enc == before
    services.save_enterprise(users["guxi"], firm.credit_code, GUXI, contact_phone="023-44551234")
    row = Enterprise.objects.get(pk=firm.pk)
    assert pii.decrypt(row.contact_phone_enc, field="contact_phone") == "023-44551234"


def test_change_log_has_the_mask_only(firm: Enterprise, users: dict[str, User]) -> None:
    services.save_enterprise(users["guxi"], firm.credit_code, GUXI, contact_phone="13600001111")
    logged = " ".join(str(e.changes) for e in LogEntry.objects.get_for_object(firm))
    assert "136****1111" in logged
    assert "13600001111" not in logged and PHONE not in logged
    assert "contact_phone_enc" not in logged and "contact_phone_hash" not in logged


def test_reveal_for_keepers_audited(firm: Enterprise, users: dict[str, User], client_for: Any) -> None:
    assert services.reveal_contact_phone(users["guxi"], firm) == PHONE
    event = SecurityEvent.objects.filter(kind=EventKind.PI_REVEALED).latest("pk")
    assert event.user == users["guxi"] and f"#{firm.pk}" in event.detail
    page = client_for(users["guxi"]).get(f"/enterprises/{firm.pk}/")
    assert "139****4321" in page.content.decode() and PHONE not in page.content.decode()
    assert 'id="reveal-contact-phone"' in page.content.decode()
    shown = client_for(users["guxi"]).post(f"/enterprises/{firm.pk}/contact-phone/")
    assert shown.status_code == 200 and PHONE in shown.content.decode()


def test_reveal_refused_audited(
    firm: Enterprise, users: dict[str, User], client_for: Any, bearer: Any
) -> None:
    from django.test import Client

    leader = users["leader"]  # reads the enterprise, does not keep it
    with pytest.raises(ServiceError) as refused:
        services.reveal_contact_phone(leader, firm)
    assert refused.value.code == "pi_reveal_forbidden"
    assert SecurityEvent.objects.filter(kind=EventKind.PI_REVEAL_REFUSED, user=leader).exists()
    page = client_for(leader).get(f"/enterprises/{firm.pk}/").content.decode()
    assert "139****4321" in page and 'id="reveal-contact-phone"' not in page
    answer = client_for(leader).post(f"/enterprises/{firm.pk}/contact-phone/")
    assert answer.status_code == 403 and PHONE not in answer.content.decode()
    api = Client().post(f"/api/v1/enterprises/{firm.pk}/contact-phone", **bearer(leader))
    assert api.status_code == 403 and api.json()["code"] == "pi_reveal_forbidden"
    listed = Client().get("/api/v1/enterprises", {"q": firm.name}, **bearer(leader)).content.decode()
    assert PHONE not in listed
    assert SecurityEvent.objects.filter(kind=EventKind.PI_REVEAL_REFUSED, user=leader).count() == 3
    ok = Client().post(f"/api/v1/enterprises/{firm.pk}/contact-phone", **bearer(users["guxi"]))
    assert ok.json() == {"contact_name": "王五", "contact_phone": PHONE}


def test_labour_need_links_to_vacancies(users: dict[str, User], client_for: Any) -> None:
    """The profile's labour needs link to 转为岗位 for those who may post vacancies."""
    from datetime import date

    from tiaodu.enterprises.models import Need

    firm, _created = services.save_enterprise(None, credit_code(302), GUXI, name="重庆用工需求测试有限公司")
    need = Need.objects.create(enterprise=firm, kind="labour", raised_on=date(2022, 2, 1), people=30)
    page = client_for(users["admin"]).get(f"/enterprises/{firm.pk}/").content.decode()
    assert f"/employment/vacancies/needs/{need.pk}/" in page
    page = client_for(users["leader"]).get(f"/enterprises/{firm.pk}/").content.decode()
    assert f"/employment/vacancies/needs/{need.pk}/" not in page
