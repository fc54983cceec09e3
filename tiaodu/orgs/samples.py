"""Sample onboarding files for a third district (万州区 500101, which the demo does not use).

The organisations are fictitious but named as every district names them, so that 区发展改革委,
区经济信息委 and 太安镇人民政府 exist in three districts once they are imported. The user guide
(docs/user-guide/onboarding.md) shows them; ``tiaodu/orgs/fixtures/*.xlsx`` are these rows written
by :func:`write_samples` (regenerate with ``python -m tiaodu.orgs.samples``).
"""

from __future__ import annotations

from pathlib import Path

DISTRICT = "500101"  # 万州区

ORGANISATION_HEADERS = ("名称", "简称", "类型", "所属地区", "上级机构", "负责人")
# Children before their parents on purpose: 上级机构 may name a later row.
ORGANISATIONS = [
    ("区发展改革委", "发改委", "区级部门", "500101", "区政府", ""),
    ("区经济信息委", "经信委", "区级部门", "500101", "万州区人民政府", ""),
    ("区统计局", "统计局", "区级部门", "万州区", "万州区人民政府", ""),
    ("万州区人民政府", "区政府", "党政机关", "500101", "", ""),
    ("高笋塘街道办事处", "高笋塘街道", "镇街", "500101001", "万州区人民政府", ""),
    ("太安镇人民政府", "太安镇", "镇街", "万州区太安镇", "万州区人民政府", ""),
    ("重点项目服务一专班", "", "服务专班", "500101", "区发展改革委", ""),
]

USER_HEADERS = ("用户名", "姓名", "角色", "所属机构", "所属地区", "手机号")
USERS = [
    ("wz-leader", "万州区领导", "区领导", "万州区人民政府", "500101", "13800000001"),
    ("wz-fgw", "发改委干部", "部门人员", "区发展改革委", "500101", "13800000002"),
    ("wz-jxw", "经信委干部", "department", "经信委", "万州区", "13800000003"),
    ("wz-gst", "高笋塘街道干部", "镇街人员", "高笋塘街道办事处", "500101001", ""),
    ("wz-taian", "太安镇干部", "town", "太安镇人民政府", "万州区太安镇", "13800000005"),
]


def write_samples(folder: Path) -> dict[str, Path]:
    """Write organisations.xlsx and users.xlsx into ``folder``; returns kind → path."""
    from tiaodu.core.imports import write_xlsx

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"organisations": folder / "organisations.xlsx", "users": folder / "users.xlsx"}
    write_xlsx(paths["organisations"], [ORGANISATION_HEADERS, *ORGANISATIONS], "组织机构")
    write_xlsx(paths["users"], [USER_HEADERS, *USERS], "用户")
    return paths


if __name__ == "__main__":  # pragma: no cover
    for path in write_samples(Path(__file__).resolve().parent / "fixtures").values():
        print(path)
