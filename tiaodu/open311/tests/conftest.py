"""Fixtures for the Open311 tests: two enterprises in two towns, keys, and schema validation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client
from stdnum.cn import uscc

SCHEMAS = Path(__file__).resolve().parent / "schemas"
GUXI = "500152103"  # 古溪镇
YUXI = "500152107"  # 玉溪镇
BASE = "/open311/v2"


def credit_code(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


GUXI_CODE = credit_code("91500152MA5U31101")
YUXI_CODE = credit_code("91500152MA5U31102")


@cache
def _validator(name: str) -> Any:
    path = SCHEMAS / name
    return jsonschema_rs.validator_for(
        json.loads(path.read_text()), base_uri=path.as_uri(), validate_formats=True
    )


def validate(schema: str, data: Any) -> Any:
    """Validate against a schema file in schemas/; return the data for chaining."""
    errors = [f"{e.instance_path}: {e.message}" for e in _validator(schema).iter_errors(data)]
    assert not errors, f"{schema}: {errors}"
    if schema in ("requests.json", "services.json"):
        assert all(isinstance(item, dict) for item in data)
    return data


def parse_xml(response: Any, root: str) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(b"<?xml")
    element = ET.fromstring(response.content)  # noqa: S314 (our own response)
    assert element.tag == root, element.tag
    return element


def xml_items(element: ET.Element, tag: str) -> list[dict[str, str | None]]:
    """Children ``<tag>`` of the root as flat dicts of their leaf elements' text."""
    items = element.findall(tag)
    assert len(items) == len(element), [child.tag for child in element]
    return [{leaf.tag: leaf.text for leaf in item} for item in items]


def error_codes(response: Any, status: int) -> list[str]:
    """The stable codes of an error response (JSON or XML), after checking its format."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    if response["Content-Type"].startswith("text/xml"):
        root = parse_xml(response, "errors")
        items = xml_items(root, "error")
        assert all(item["code"] == str(status) for item in items)
        return [str(item["description"]).split(":", 1)[0] for item in items]
    data = validate("errors.json", response.json())
    assert all(e["code"] == status for e in data)
    return [e["description"].split(":", 1)[0] for e in data]


@dataclass
class World:
    guxi_enterprise: Any
    yuxi_enterprise: Any
    guxi_town: Any  # 古溪镇人民政府
    yuxi_town: Any
    jxw: Any  # 区经济信息委


@pytest.fixture
def world(db: Any) -> World:
    from tiaodu.enterprises.services import save_enterprise
    from tiaodu.orgs.choices import OrgKind
    from tiaodu.orgs.models import Organization

    guxi, _ = save_enterprise(
        None, GUXI_CODE, GUXI, name="重庆古溪开放测试食品有限公司", address="古溪镇工业园1号"
    )
    yuxi, _ = save_enterprise(
        None, YUXI_CODE, YUXI, name="重庆玉溪开放测试材料有限公司", address="玉溪镇新街8号"
    )
    return World(
        guxi_enterprise=guxi,
        yuxi_enterprise=yuxi,
        guxi_town=Organization.objects.get(kind=OrgKind.TOWN, region__code=GUXI),
        yuxi_town=Organization.objects.get(kind=OrgKind.TOWN, region__code=YUXI),
        jxw=Organization.objects.get(kind=OrgKind.DEPARTMENT, short_name="经信委", region__code="500152"),
    )


@pytest.fixture
def key_for(world: World) -> Callable[..., str]:
    """A fresh api_key bound to an enterprise or an organisation."""
    from tiaodu.open311.services import issue_key

    def make(enterprise: Any = None, org: Any = None, name: str = "测试密钥") -> str:
        if enterprise is not None:
            return issue_key(name, enterprise=enterprise.credit_code).secret
        return issue_key(name, org=str(org.pk)).secret

    return make


@pytest.fixture
def api() -> Client:
    return Client()


def post_request(client: Client, fmt: str = "json", **data: Any) -> Any:
    payload = {
        "service_code": "financing",
        "lat": "30.1901",
        "long": "105.8420",
        "description": "流动资金缺口500万元",
    }
    payload.update({k: v for k, v in data.items() if v is not None})
    for k in [k for k, v in data.items() if v is None]:
        payload.pop(k, None)
    return client.post(f"{BASE}/requests.{fmt}", payload)
