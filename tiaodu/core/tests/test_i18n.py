"""Chinese by default, English when the user chooses it (never from the browser's
Accept-Language); the English catalogue is complete and compiled.

msgids are Simplified Chinese (LANGUAGE_CODE = "zh-hans"); tiaodu/locale/en translates them.
After adding strings: ``cd tiaodu && tiaodu makemessages -l en --ignore 'static/*' --no-obsolete``,
translate the new entries, then ``make messages`` (compilemessages) and commit both .po and .mo.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
SIDEBAR = re.compile(r"<nav\b[^>]*td-sidebar[^>]*>.*?</nav>", re.S)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
MSGFMT = shutil.which("msgfmt")

LOGIN_URL = "/accounts/login/"
HOME_URL = "/"


@pytest.fixture(autouse=True)
def _reset_language() -> Any:
    """The language middleware activates the request's language on this thread; don't leak it to other tests."""
    yield
    translation.deactivate()


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _sidebar(html: str) -> str:
    match = SIDEBAR.search(html)
    assert match, "side menu not found"
    return match.group(0)


# --- the pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client: Any) -> None:
    html = _text(client.get(LOGIN_URL))
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "区县经济运行调度平台" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_set_language_view_switches_to_english_and_back(client: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN_URL})
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = _text(client.get(LOGIN_URL))
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "District Economic Dispatch Platform" in html
    assert "Password" in html
    assert "登录" not in html
    assert "区县经济运行调度平台" not in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": LOGIN_URL})
    html = _text(client.get(LOGIN_URL))
    assert "登录" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_accept_language_header_is_ignored(client: Any) -> None:
    html = _text(client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_language_cookie_overrides_accept_language(client: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = _text(client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert "登录" in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _text(client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="zh-CN"))
    assert "Sign in" in html


def _english(user: Any) -> Any:
    """The user has chosen English (kept on the user; the test's transaction rolls it back)."""
    user.language = "en"
    user.save(update_fields=["language"])
    return user


@pytest.mark.django_db
def test_admin_dashboard_in_chinese_by_default(users: Any, client_for: Any) -> None:
    html = _text(client_for(users["admin"]).get(HOME_URL))
    menu = _sidebar(html)
    for label in ("工作台", "组织机构", "用户管理", "行政区划", "审计日志", "API令牌"):
        assert label in menu
    assert "系统管理员" in html  # role shown next to the user's name


@pytest.mark.django_db
def test_admin_dashboard_in_english(users: Any, client_for: Any) -> None:
    c = client_for(users["admin"])
    c.post("/i18n/setlang/", {"language": "en", "next": HOME_URL})
    html = _text(c.get(HOME_URL))
    assert '<html lang="en">' in html
    menu = _sidebar(html)
    for label in ("Workbench", "Organizations", "User management", "Administrative divisions", "Audit log"):
        assert label in menu
    assert not CJK.findall(menu), CJK.findall(menu)
    assert "System administrator" in html
    assert "Change password" in html
    assert "Sign out" in html
    assert "修改密码" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "leader", "jxw", "guxi", "squad1", "qiye", "yezhu"])
def test_side_menu_has_no_chinese_in_english(users: Any, client_for: Any, username: str) -> None:
    c = client_for(_english(users[username]))
    menu = _sidebar(_text(c.get(HOME_URL)))
    assert "Workbench" in menu
    assert not CJK.findall(menu), (username, CJK.findall(menu))


@pytest.mark.django_db
def test_menu_pages_render_in_english(users: Any, client_for: Any) -> None:
    """Every page in the admin's menu renders with the English chrome (data itself stays Chinese)."""
    c = client_for(_english(users["admin"]))
    urls = re.findall(r'class="nav-link[^"]*" href="([^"]+)"', _sidebar(_text(c.get(HOME_URL))))
    assert len(urls) >= 5
    for url in urls:
        html = _text(c.get(url))
        assert '<html lang="en">' in html, url
        assert "Sign out" in html, url
        assert "退出" not in html, url


@pytest.mark.django_db
def test_list_page_plural_form_in_english(users: Any, client_for: Any) -> None:
    c = client_for(_english(users["admin"]))
    html = _text(c.get("/orgs/"))
    assert re.search(r"\b\d+ records?\b", html)
    assert "Export Excel" in html
    assert re.search(r"共 \d+ 条", html) is None


# --- the catalogue -----------------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict[str, Any]]:
    """A minimal .po reader (enough for makemessages' output): flags, msgid, msgid_plural, msgstr[n]."""
    entries: list[dict[str, Any]] = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict[str, Any] = {"flags": set(), "msgstr": {}, "obsolete": False}
        key: tuple[str, int] | str | None = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
                continue
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
                continue
            if line.startswith("#"):
                continue
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (".*")$', line)
            if m:
                name, index, literal = m.groups()
                key = ("msgstr", int(index or 0)) if name == "msgstr" else name
                value = ast.literal_eval(literal)
            else:
                value = ast.literal_eval(line)
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] = entry["msgstr"].get(key[1], "") + value
            elif key is not None:
                entry[key] = entry.get(key, "") + value
        if "msgid" in entry or entry["obsolete"]:
            entries.append(entry)
    return entries


def _messages() -> list[dict[str, Any]]:
    return [e for e in _po_entries(PO_FILE) if e.get("msgid")]


def test_po_header() -> None:
    header = next(e for e in _po_entries(PO_FILE) if e.get("msgid") == "")
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"][0]


def test_every_entry_translated_and_not_fuzzy() -> None:
    entries = _messages()
    assert len(entries) > 100
    assert not [e for e in _po_entries(PO_FILE) if e["obsolete"]], "obsolete entries: use --no-obsolete"
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    untranslated = []
    for e in entries:
        forms = 2 if "msgid_plural" in e else 1
        if sorted(e["msgstr"]) != list(range(forms)) or not all(s.strip() for s in e["msgstr"].values()):
            untranslated.append(e["msgid"])
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_translations_are_english_and_keep_placeholders() -> None:
    problems = []
    for e in _messages():
        wanted = set(PLACEHOLDER.findall(e["msgid"] + e.get("msgid_plural", "")))
        for s in e["msgstr"].values():
            if set(PLACEHOLDER.findall(s)) != wanted:
                problems.append((e["msgid"], s, "placeholders"))
            # Chinese may appear only in a quoted example value the user types in Chinese.
            if CJK.search(s.replace("一区两群", "")):
                problems.append((e["msgid"], s, "untranslated Chinese"))
    assert not problems, problems


def _catalog(mo: Path) -> dict[Any, str]:
    with mo.open("rb") as f:
        catalog = dict(gettext.GNUTranslations(f)._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)  # header: carries dates that differ between runs
    return catalog


def _po_catalog() -> dict[Any, str]:
    catalog: dict[Any, str] = {}
    for e in _messages():
        if "fuzzy" in e["flags"]:
            continue
        # gettext keys a message with a context as "context\x04msgid".
        msgid = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            for i, s in e["msgstr"].items():
                catalog[(msgid, i)] = s
        else:
            catalog[msgid] = e["msgstr"][0]
    return catalog


def test_mo_matches_po() -> None:
    """The committed .mo holds exactly the .po's translations (no gettext tools needed)."""
    assert MO_FILE.exists(), "run `make messages` and commit django.mo"
    assert _catalog(MO_FILE) == _po_catalog(), "django.mo is stale: run `make messages`"


@pytest.mark.skipif(MSGFMT is None, reason="msgfmt (gettext) not installed")
def test_mo_is_what_msgfmt_builds(tmp_path: Path) -> None:
    assert MSGFMT is not None
    fresh = tmp_path / "django.mo"
    # The same command compilemessages runs; all arguments are our own paths.
    subprocess.run(  # noqa: S603
        [MSGFMT, "--check-format", "-o", str(fresh), str(PO_FILE)], check=True, capture_output=True
    )
    if fresh.read_bytes() != MO_FILE.read_bytes():
        # Other msgfmt versions may lay out the file differently; the content must still agree.
        assert _catalog(fresh) == _catalog(MO_FILE), "django.mo is stale: run `make messages`"
