"""The house's one direction, checked on every import in meetups/ (read with ast, nothing imported): a
forbidden edge fails with its file and line. docs/design-notes.md ("Layers") draws the same table.

- Rules (each domain's models.py, service.py and sub-topic modules) import only down: the ground, notify
  (the outbox and the jobs registry), then accounts → communities → events → rsvps → checkin → programme →
  calendars, badges, recognition → surveys. Domains on one floor never import each other. A rule never
  imports Flask's request machinery (flask, flask_login, flask_wtf, apiflask) nor a face.
- Faces (views.py, api.py, forms.py; views_*.py and api_*.py where a domain has several) call rules of any
  domain and the shared face kit (meetups/api.py, meetups/forms.py), never another domain's face.
- The top (create_app, the CLI, demo data, templating, the mailer) may use everything.
- bench/ never imports tests/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "meetups"

GROUND = {
    "charts",
    "clock",
    "config",
    "dates",
    "errors",
    "extensions",
    "markdown",
    "questionnaires",
    "ratelimits",
    "site",
    "spreadsheets",
}
FACE_KIT = {"api", "forms", "pages", "static_assets", "web"}
TOP = {"__init__", "cli", "demo", "templating", "mailer"}
FLOORS = {
    "notify": 1,
    "accounts": 2,
    "communities": 3,
    "events": 4,
    "rsvps": 5,
    "checkin": 6,
    "programme": 7,
    "calendars": 8,
    "badges": 8,
    "recognition": 8,
    "surveys": 9,
}
FACES = {"views", "api", "forms"}
FLASK_ONLY_FOR_FACES = {"flask", "flask_login", "flask_wtf", "apiflask"}


def _kind(parts: tuple[str, ...]) -> str:
    """ground, kit, top, rule or face, for a module path inside meetups (("rsvps", "service"), ...)."""
    if len(parts) == 1:
        name = parts[0]
        if name in GROUND:
            return "ground"
        if name in FACE_KIT:
            return "kit"
        if name in TOP:
            return "top"
        raise AssertionError(f"meetups/{name}.py is in no layer: add it to tests/test_layers.py")
    if parts[0] not in FLOORS:
        raise AssertionError(f"meetups/{parts[0]}/ is in no layer: add it to tests/test_layers.py")
    return "face" if parts[-1] in FACES or parts[-1].startswith(("views_", "api_")) else "rule"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = (*parts[:-1], "__init__")
        yield path, parts


def _imports(path: Path, parts: tuple[str, ...]):
    """(line, top-level package, meetups module parts or None) for each import in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(parts[:-1])[: len(parts) - node.level]
                module = ".".join(["meetups", *base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            if module in ("meetups", *(f"meetups.{d}" for d in FLOORS)):
                for alias in node.names:  # `from meetups import errors`, `from meetups.rsvps import waitlist`
                    yield node.lineno, f"{module}.{alias.name}"


def _target(module: str) -> tuple[str, ...] | None:
    if not module.startswith("meetups.") and module != "meetups":
        return None
    parts = tuple(module.split(".")[1:])
    if not parts:
        return None
    if parts[0] in FLOORS:
        parts = parts[:2]
        if len(parts) == 1:
            return None  # the package itself (its __init__ holds nothing)
        if not (PACKAGE / parts[0] / f"{parts[1]}.py").exists():
            return None  # `from meetups.rsvps import service` names service; a class name would land here
        return parts
    return parts[:1] if (PACKAGE / f"{parts[0]}.py").exists() else None


def _refusal(source: tuple[str, ...], target: tuple[str, ...]) -> str | None:
    kind, to = _kind(source), _kind(target)
    if source[0] == target[0] and len(source) > 1:  # inside one domain: rules never import its faces
        return "a rule imports a face" if kind == "rule" and to == "face" else None
    if kind == "top":
        return None
    if to == "top":
        return "imports the top (create_app, CLI, demo, templating, mailer)"
    if kind == "ground":
        return None if to == "ground" else "the ground imports a domain"
    if kind == "kit":
        return "the face kit imports a face" if to == "face" else None
    if kind == "face":
        return "a face imports another domain's face" if to == "face" else None
    # a rule
    if to in ("face", "kit"):
        return "a rule imports a face or the face kit"
    if to == "ground":
        return None
    here, there = FLOORS[source[0]], FLOORS[target[0]]
    if there < here:
        return None
    return "imports a domain on its own floor" if there == here else "imports up"


def test_every_import_goes_one_way():
    problems = []
    for path, parts in _modules():
        kind = _kind(parts)
        for line, module in _imports(path, parts):
            where = f"{path.relative_to(ROOT)}:{line}"
            if kind == "rule" and module.split(".")[0] in FLASK_ONLY_FOR_FACES:
                problems.append(f"{where}: a rule imports {module} (take settings as arguments)")
            target = _target(module)
            if target is not None and (why := _refusal(parts, target)):
                problems.append(f"{where}: {'.'.join(parts)} → {'.'.join(target)}: {why}")
    assert not problems, "\n".join(problems)


def test_bench_never_imports_tests():
    problems = []
    for path in sorted((ROOT / "bench").rglob("*.py")):
        for line, module in _imports(path, ("bench",)):
            if module == "tests" or module.startswith("tests."):
                problems.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    assert not problems, "\n".join(problems)


def test_the_checker_sees_a_forbidden_edge():
    assert _refusal(("events", "service"), ("rsvps", "waitlist")) == "imports up"
    assert _refusal(("badges", "service"), ("calendars", "ics")) == "imports a domain on its own floor"
    assert _refusal(("events", "views"), ("communities", "forms")) == "a face imports another domain's face"
    assert _refusal(("rsvps", "service"), ("rsvps", "views")) == "a rule imports a face"
    assert _refusal(("rsvps", "views"), ("checkin", "service")) is None
    assert _refusal(("checkin", "service"), ("rsvps", "waitlist")) is None
