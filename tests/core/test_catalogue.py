"""The English catalogue has every Chinese string the code marks for translation: a page can only
show Chinese in English if a string was never marked, which tests/core/test_english.py catches."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("accounts", "audit", "core", "ledgers", "regions", "reports", "petitions", "pairings", "community", "config")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Examples inside docstrings, not strings of the interface.
DOCSTRING_EXAMPLES = {"已超期", "我的包案"}


def catalogue_ids() -> set[str]:
    po = (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    ids = set()
    for match in re.finditer(r'^msgid "((?:[^"\\]|\\.)*)"\n((?:"(?:[^"\\]|\\.)*"\n)*)', po, re.M):
        ids.add(match.group(1) + "".join(re.findall(r'^"((?:[^"\\]|\\.)*)"$', match.group(2), re.M)))
    return ids


def marked_strings():
    for path in ROOT.glob("templates/**/*.html"):
        for match in re.finditer(r"{%\s*(?:translate|trans)\s+\"([^\"]+)\"", path.read_text(encoding="utf-8")):
            yield match.group(1), path
    for app in APPS:
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).exists() else ():
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r'\b(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]', text):
                yield match.group(1), path


def test_every_marked_chinese_string_has_an_english_translation():
    ids = catalogue_ids()
    missing = sorted(
        {
            f"{path.relative_to(ROOT)}: {text}"
            for text, path in marked_strings()
            if HAN.search(text) and text not in ids and text not in DOCSTRING_EXAMPLES
        }
    )
    assert missing == []


def test_no_entry_of_the_catalogue_is_left_untranslated():
    po = (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = [e for e in po.split("\n\n") if "\nmsgid " in f"\n{e}" and not e.lstrip().startswith('msgid ""')]
    untranslated = [e for e in entries if re.search(r'^msgstr(\[0\])? ""\s*\Z', e.strip(), re.M)]
    assert untranslated == []
