"""``tiaodu open311 key|list|revoke`` and the keys themselves (hash only, audit masked)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tiaodu.open311.models import Open311Key
from tiaodu.open311.tests.conftest import BASE, error_codes, post_request, validate

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("open311", *args, stdout=out)
    return [line for line in out.getvalue().splitlines() if line.strip()]


def command_error(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("open311", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(exc.value)


def test_key_for_an_enterprise_prints_the_key_on_the_last_line(api, world):
    lines = run("key", "--name", "古溪食品ERP", "--enterprise", world.guxi_enterprise.credit_code)
    secret = lines[-1].strip()
    assert secret.startswith("o311_") and " " not in secret
    assert world.guxi_enterprise.name in lines[0]
    key = Open311Key.objects.get(prefix=Open311Key.prefix_of(secret))
    assert key.enterprise == world.guxi_enterprise and key.organization is None
    assert secret not in (key.key_hash, key.prefix)  # only the hash is stored
    response = post_request(api, api_key=secret)
    assert response.status_code == 200
    validate("post-response.json", response.json())


def test_key_for_an_organisation_by_name_and_revoke(api, world):
    secret = run("key", "--name", "古溪镇12345", "--org", world.guxi_town.name)[-1]
    key = Open311Key.objects.get(prefix=Open311Key.prefix_of(secret))
    assert key.organization == world.guxi_town and key.enterprise is None
    listing = run("list")
    assert any(line.startswith(key.prefix) and "有效" in line for line in listing)

    assert "已吊销" in run("revoke", key.prefix)[-1]
    assert any(line.startswith(key.prefix) and "已吊销" in line for line in run("list"))
    assert error_codes(post_request(api, api_key=secret), 403) == ["api_key_revoked"]
    assert "已吊销" in run("revoke", key.prefix)[-1]  # idempotent


def test_an_enterprise_organisation_binds_the_enterprise(world):
    secret = run("key", "--name", "x", "--org", world.guxi_enterprise.credit_code)[-1]
    key = Open311Key.objects.get(prefix=Open311Key.prefix_of(secret))
    assert key.enterprise == world.guxi_enterprise and key.organization is None


def test_key_errors(world):
    from tiaodu.orgs.choices import OrgKind
    from tiaodu.orgs.models import Organization

    Organization.objects.create(
        name="未登记的企业", kind=OrgKind.ENTERPRISE, code="91500152MA5U31103R", region=world.guxi_town.region
    )
    # The project's CLI convention: "code: message (field: message [field_code])".
    for args, code in [
        (("--enterprise", "91500152MA5U311010"), "[credit_code_invalid]"),
        (("--enterprise", "91500152MA5U31103R"), "[enterprise_unknown]"),
        (("--org", "没有这个单位"), "[organization_unknown]"),
        # An enterprise organisation without a registry record.
        (("--org", "91500152MA5U31103R"), "[enterprise_not_registered]"),
    ]:
        message = command_error("key", "--name", "x", *args)
        assert message.startswith("validation_error:") and code in message, message
    assert "[required]" in command_error("key", "--name", " ", "--org", world.guxi_town.name)
    assert "--enterprise" in command_error("key", "--name", "x")  # one binding is required
    assert command_error("revoke", "ffffffff").startswith("key_unknown:")
    assert Open311Key.objects.count() == 0


def test_inactive_organisation_key_is_refused(api, world, key_for):
    secret = key_for(org=world.guxi_town)
    type(world.guxi_town).objects.filter(pk=world.guxi_town.pk).update(is_active=False)
    assert error_codes(api.get(f"{BASE}/requests.json", {"api_key": secret}), 403) == ["api_key_inactive"]


def test_change_log_masks_the_key_hash(world):
    from tiaodu.audit.services import changes_for

    secret = run("key", "--name", "审计", "--enterprise", world.guxi_enterprise.credit_code)[-1]
    key = Open311Key.objects.get(prefix=Open311Key.prefix_of(secret))
    entry = changes_for(key).first()
    assert entry is not None
    assert key.key_hash not in str(entry.changes)
    assert secret not in str(entry.changes)


def test_key_use_is_recorded(api, world, key_for):
    secret = key_for(enterprise=world.guxi_enterprise)
    api.get(f"{BASE}/requests.json", {"api_key": secret})
    assert Open311Key.objects.get(prefix=Open311Key.prefix_of(secret)).last_used_at is not None
