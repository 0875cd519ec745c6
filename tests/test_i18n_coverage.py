"""The Russian catalog covers the current source: every string is translated, keeps its placeholders and has
three plural forms. The strings are extracted from the source here, with babel.cfg and the keywords of
scripts/i18n, so a new English string fails this test until someone runs scripts/i18n and translates it.
(tests/test_i18n.py checks where the catalog lives, Babel's own format check and the ?lang=ru switch.)"""

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
RU_PO = ROOT / "meetups" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
RUSSIAN_PLURALS = "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"
REFRESH = (
    "run scripts/i18n, then translate the new entries in meetups/translations/ru/LC_MESSAGES/messages.po"
)

# %(name)s and {name} are filled in by code; <token>, <id>, HTML tags and URLs are shown or parsed as written
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdif]|\{\w*\}")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")
URL = re.compile(r"https?://[^\s)]*")


@cache
def _catalog():
    with RU_PO.open("rb") as f:
        return read_po(f, locale="ru")


def _keywords() -> dict:
    """Babel's default keywords plus the `-k` ones scripts/i18n passes (lazy_gettext as _l in forms)."""
    script = (ROOT / "scripts" / "i18n").read_text()
    return {**DEFAULT_KEYWORDS, **dict.fromkeys(re.findall(r"-k (\w+)", script))}


@cache
def _source_messages() -> dict[tuple[str, str | None], tuple[str | tuple[str, ...], list[str]]]:
    """(msgid, context) -> (message, where), for every string babel.cfg's methods find in the source today."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    # walk only the top folders the patterns name, not .venv or node_modules
    tops = {pattern.split("/", 1)[0] for pattern, _method in method_map}

    def wanted(path: str) -> bool:
        parts = Path(path).relative_to(ROOT).parts
        return parts[0] in tops and not parts[-1].startswith((".", "_"))  # as Babel's default: no __pycache__

    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=_keywords(), directory_filter=wanted
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), (message, []))[1].append(f"{filename}:{lineno}")
    return found


def _forms(message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def _english(message) -> list[str]:
    return list(message.id) if message.pluralizable else [message.id]


def _by_place(item) -> str:
    return item[1][1][0]


def _current_entries():
    catalog = _catalog()
    for msgid, context in _source_messages():
        entry = catalog.get(msgid, context)
        if entry is not None:
            yield entry


def test_the_source_has_strings_to_check():
    """Guards the other tests: an extraction that silently found nothing would let everything pass."""
    where = {
        place.split(":")[0].split("/")[0] for _m, places in _source_messages().values() for place in places
    }
    assert {"meetups", "templates"} <= where
    assert ("Log in", None) in _source_messages()


def test_every_current_string_has_a_checked_russian_translation():
    catalog = _catalog()
    problems = []
    for (msgid, context), (message, places) in sorted(_source_messages().items(), key=_by_place):
        entry = catalog.get(msgid, context)
        if entry is None:
            problem = "not in the catalog"
        elif entry.pluralizable != isinstance(message, tuple):
            problem = "singular/plural differs from the source"
        elif not all(_forms(entry)):
            problem = "not translated"
        elif entry.fuzzy:
            problem = "marked fuzzy (check it, then remove the flag)"
        else:
            continue
        problems.append(f"{places[0]}: {msgid!r}: {problem}")
    assert problems == [], f"{len(problems)} strings need work; {REFRESH}:\n" + "\n".join(problems)


def test_the_catalog_itself_is_not_marked_fuzzy():
    """pybabel compile skips a catalog whose header is fuzzy, and the site would silently stay English."""
    assert not _catalog().fuzzy


@pytest.mark.parametrize("pattern", [PLACEHOLDER, TAG, URL], ids=["placeholders", "tags", "urls"])
def test_translations_keep_the_placeholders_tags_and_urls_of_the_english(pattern):
    """Every form, the singular one included: in Russian it also serves 21, 31, ..."""
    problems = []
    for entry in _current_entries():
        expected = sorted({token for text in _english(entry) for token in pattern.findall(text)})
        for index, form in enumerate(_forms(entry)):
            if form and sorted(set(pattern.findall(form))) != expected:
                problems.append(f"{entry.id!r} [{index}]: {sorted(set(pattern.findall(form)))} != {expected}")
    assert problems == [], "\n".join(problems)


def test_translations_keep_leading_and_trailing_space_and_newlines():
    def edges(text: str) -> tuple[str, str]:
        return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]

    problems = [
        f"{entry.id!r} [{index}]"
        for entry in _current_entries()
        for index, form in enumerate(_forms(entry))
        if form and edges(form) != edges(_english(entry)[0])
    ]
    assert problems == []


def test_plural_entries_have_the_three_russian_forms():
    """One, few, many: 1 билет, 2 билета, 5 билетов. A half-filled entry shows nothing for some numbers."""
    catalog = _catalog()
    assert catalog.num_plurals == 3
    assert catalog.plural_expr.replace(" ", "") == RUSSIAN_PLURALS.replace(" ", "")
    problems = [
        f"{entry.id[0]!r}: {len(entry.string)} forms, {sum(1 for form in entry.string if form)} filled"
        for entry in catalog
        if entry.id
        and entry.pluralizable
        and (len(entry.string) != 3 or any(entry.string) != all(entry.string))
    ]
    assert problems == []
