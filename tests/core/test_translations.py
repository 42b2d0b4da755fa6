"""The English catalogue: complete, placeholders intact, and key pages render in English."""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import trans_real

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif%]|\{[^{}]*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass
class Entry:
    line: int
    flags: set = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict = field(default_factory=dict)  # {None: str} or {0: str, 1: str, ...}


def parse_po(text):
    """A small .po parser: enough for makemessages' output (no polib in requirements)."""
    entries, current, target = [], None, None

    def finish():
        if current is not None and target is not None:
            entries.append(current)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank, or an obsolete entry
            continue
        if line.startswith("#"):
            if current is not None and target is not None:
                finish()
                current, target = None, None
            if current is None:
                current = Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            kind, index = target
            if kind == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, kind, getattr(current, kind) + value)
            continue
        keyword, _, literal = line.partition(" ")
        value = ast.literal_eval(literal)
        if keyword in ("msgctxt", "msgid") and current is not None and target is not None and target[0] == "msgstr":
            finish()
            current, target = None, None
        if current is None:
            current = Entry(line=number)
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            target = ("msgstr", int(match.group(1)))
            current.msgstr[target[1]] = value
        elif keyword == "msgstr":
            target = ("msgstr", None)
            current.msgstr[None] = value
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            target = (keyword, None)
            setattr(current, keyword, value)
        else:
            raise AssertionError(f"line {number}: unexpected {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def catalogue():
    entries = parse_po(PO_PATH.read_text(encoding="utf-8"))
    header = entries[0]
    assert header.msgid == ""
    return header, entries[1:]


def test_parser_reads_multiline_plural_and_fuzzy_entries():
    # given a small catalogue with the shapes makemessages writes
    text = (
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid ""\n"共 %(n)s 条"\nmsgstr "Total"\n\n'
        '#: b.py:2\nmsgid "一" "二"\nmsgid_plural "一二"\nmsgstr[0] "one"\nmsgstr[1] ""\n"two"\n\n'
        '#~ msgid "旧"\n#~ msgstr "old"\n'
    )
    # when parsed
    header, fuzzy, plural = parse_po(text)
    # then every field is read, continuation lines joined, obsolete entries dropped
    assert header.msgstr == {None: "Language: en\n"}
    assert (fuzzy.msgid, fuzzy.flags, fuzzy.msgstr) == ("共 %(n)s 条", {"fuzzy", "python-format"}, {None: "Total"})
    assert (plural.msgid, plural.msgid_plural, plural.msgstr) == ("一二", "一二", {0: "one", 1: "two"})


def test_english_header_declares_two_plural_forms(catalogue):
    header, _entries = catalogue
    fields = dict(line.split(": ", 1) for line in header.msgstr[None].splitlines() if ": " in line)
    assert fields["Language"] == "en"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert "fuzzy" not in header.flags


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries(catalogue):
    _header, entries = catalogue
    assert len(entries) > 900
    untranslated = [(e.line, e.msgid) for e in entries if not all(e.msgstr.values())]
    fuzzy = [(e.line, e.msgid) for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_plural_entries_have_both_english_forms(catalogue):
    _header, entries = catalogue
    plurals = [e for e in entries if e.msgid_plural is not None]
    assert plurals
    assert [(e.line, sorted(e.msgstr)) for e in plurals if sorted(e.msgstr) != [0, 1]] == []


def test_every_translation_keeps_placeholders_and_html_tags(catalogue):
    _header, entries = catalogue
    problems = []
    for e in entries:
        for index, text in e.msgstr.items():
            source = e.msgid if index in (None, 0) else e.msgid_plural
            if sorted(set(PLACEHOLDER.findall(source))) != sorted(set(PLACEHOLDER.findall(text))):
                problems.append((e.line, source, text))
            if sorted(HTML_TAG.findall(source)) != sorted(HTML_TAG.findall(text)):
                problems.append((e.line, source, text))
    assert problems == []


def test_translations_are_english(catalogue):
    # a msgstr may quote Chinese words a user types into an import sheet (是/否, 农户…), but a
    # translation that is mostly Chinese was pasted from the msgid
    _header, entries = catalogue
    chinese = [(e.line, t) for e in entries for t in e.msgstr.values() if len(CJK.findall(t)) * 2 > len(t)]
    assert chinese == []


@pytest.fixture
def compiled_catalogue():
    """Pages are translated from the compiled .mo: compile it if the .po is newer (`make messages`
    does this at setup), and drop gettext's per-process cache so the fresh file is read."""
    if not MO_PATH.exists() or MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
        call_command("compilemessages", locale=["en"], verbosity=0, ignore_patterns=[".venv", "node_modules"])
        trans_real._translations = {}
        trans_real._default = None
    yield


def english_client(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def sidebar(html):
    match = re.search(r'<nav id="sidebar".*?</nav>', html, re.S)
    assert match, "no sidebar on the page"
    return match.group(0)


def text_of(fragment):
    return " ".join(HTML_TAG.sub(" ", fragment).split())


def headings(html):
    return [text_of(h) for h in re.findall(r"<h1\b.*?</h1>", html, re.S)]


def test_sidebar_and_ledger_list_render_in_english(compiled_catalogue, users, client_for):
    # given a township officer who switched to English
    client = english_client(client_for(users.township_staff))
    # when they open the home page and the appeals ledger
    home = client.get("/")
    appeals = client.get("/ledgers/appeals/")
    # then the navigation and the headings are English, without a Chinese character
    assert (home.status_code, appeals.status_code) == (200, 200)
    for response in (home, appeals):
        html = response.content.decode()
        assert '<html lang="en">' in html
        nav = text_of(sidebar(html))
        for word in ("Workbench", "Livelihood appeals", "Households in difficulty", "Stability matters"):
            assert word in nav
        assert CJK.findall(nav) == []
        assert "Sign out" in html
    assert headings(appeals.content.decode()) == ["Livelihood appeals"]


def test_dashboard_renders_in_english(compiled_catalogue, users, client_for):
    from reports.services import summary_refresh_full

    # given summaries, and a provincial officer who switched to English
    summary_refresh_full()
    client = english_client(client_for(users.province))
    # when they open the dashboard (it redirects to their region's board)
    response = client.get("/reports/", follow=True)
    # then the navigation and the fixed section headings are English
    assert response.status_code == 200
    html = response.content.decode()
    nav = text_of(sidebar(html))
    assert "Dashboard" in nav
    assert CJK.findall(nav) == []
    assert "Key indicators" in html
    assert "主要指标" not in html


def test_login_page_renders_in_english(compiled_catalogue, client):
    # given an anonymous visitor who switched to English
    english_client(client)
    # when they open the sign-in page
    response = client.get("/accounts/login/")
    # then the form is English
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Username" in html and "Password" in html and "Sign in" in html
    assert "用户名" not in html and "密码" not in html


def test_chinese_stays_the_default(compiled_catalogue, users, client_for):
    # given a user who did not choose a language
    client = client_for(users.township_staff)
    # when they open the home page
    html = client.get("/").content.decode()
    # then the navigation is Chinese
    nav = text_of(sidebar(html))
    assert "民生诉求" in nav
    assert "Livelihood appeals" not in nav
