"""The layers of the house hold: who may import whom, read from the source with `ast`.

The rules (DESIGN.md §1 and issue 16 §3):

- shared apps (their tables live in `public`) import no tenant app: a shared page or service
  that needs a workspace's data calls it through a hook the tenant app fills in at `ready()`,
  or the caller passes the value in;
- the pipeline runs planner → writer → publisher, with automation driving all three: an
  earlier stage knows nothing of the later ones (planner imports no writer / automation /
  publisher, writer no automation / publisher, publisher no automation);
- the AI engine (`igny8/ai`) returns output and the apps save it: it imports no pipeline app;
- no two modules import each other (a circle means neither can be read, tested or moved alone).

Every import counts, wherever it stands: at the top, inside a function (a lazy import is still
a dependency), `importlib.import_module("apps.x…")`, `import_string("apps.x…")`,
`include("apps.x.urls…")`, a job queued by its dotted path and `apps.get_model("x", …)`.
Tests folders (`*/tests/*`) drive the whole product and may import anything; migrations are
history and are not read.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("apps", "igny8")

SHARED = ("accounts", "catalog", "billing")
# `schedule` keeps its tables in `public` (settings.SHARED_APPS: the dispatcher finds due sites
# without entering every schema) but it is the index of the workspaces' schedules: it reads
# their sites and wakes their automation, so it sits on the tenant side of the rule and the
# shared apps do not import it (accounts re-times it through a hook).
TENANT = ("workspace", "planner", "writer", "automation", "publisher", "schedule")
PIPELINE = ("planner", "writer", "automation", "publisher")

# importer (a dotted prefix) -> (forbidden app, what to do instead)
SHARED_ADVICE = (
    "shared-schema code must not depend on a workspace app: let the tenant app register a hook "
    "at ready() (see apps/accounts/hooks.py) or have the caller pass the value in"
)
STAGE_ADVICE = (
    "an earlier stage knows nothing of later ones: move the shared piece down (apps.workspace "
    "or igny8/), or let the later stage own the view/URL and call the earlier one"
)
AI_ADVICE = (
    "the AI engine returns output and the apps save it: pass what the engine needs in as "
    "arguments and let the calling app store the result"
)
RULES: dict[str, tuple[tuple[str, ...], str, str]] = {
    **{
        f"apps.{app}": (TENANT, "shared apps import no tenant app", SHARED_ADVICE) for app in SHARED
    },
    "apps.planner": (
        ("writer", "automation", "publisher"),
        "planner imports no later stage",
        STAGE_ADVICE,
    ),
    "apps.writer": (("automation", "publisher"), "writer imports no later stage", STAGE_ADVICE),
    "apps.publisher": (("automation",), "publisher imports no automation", STAGE_ADVICE),
    "igny8.ai": (PIPELINE, "igny8/ai imports no pipeline app", AI_ADVICE),
}

# Calls whose first argument names a module (or an object inside one) by its dotted path:
# imported there and then.
STRING_IMPORTERS = {"import_module", "import_string", "__import__", "include"}
# Calls that queue a job by its dotted path: a worker imports it later. A dependency between
# apps all the same (the layer rules count it), but no circle between two modules: a service
# names the job it queues and the job, loaded by the worker, calls the service.
QUEUERS = {"enqueue", "enqueue_each", "async_task"}


@dataclass(frozen=True)
class Import:
    path: str  # file, relative to the repository
    line: int
    importer: str  # dotted module name of the file
    target: str  # dotted name imported (a module, or an object inside one)
    # "import": imported (at load or when called); "queue": a job named by its dotted path for
    # a worker to import; "model": a model looked up by its app label (apps.get_model).
    kind: str = "import"
    call: str = ""  # the function that named it, for a string


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    files = []
    for top in SOURCE_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            files.append(path)
    return files


def _resolve_relative(importer: str, is_package: bool, level: int, module: str | None) -> str:
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def imports_of(path: Path, importer: str = "", rel: str = "") -> list[Import]:
    """Every module (or object) the file at `path` names, at any depth."""
    importer = importer or module_name(path)
    rel = rel or str(path.relative_to(ROOT))
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(rel, node.lineno, importer, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (
                _resolve_relative(importer, is_package, node.level, node.module)
                if node.level
                else node.module or ""
            )
            # `from apps import writer` and `from apps.writer import jobs` name modules.
            found += [Import(rel, node.lineno, importer, f"{base}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            name = _call_name(node.func)
            dotted = first.value.startswith(("apps.", "igny8."))
            if name in STRING_IMPORTERS and dotted:
                found.append(Import(rel, node.lineno, importer, first.value))
            elif name in QUEUERS and dotted:
                found.append(
                    Import(rel, node.lineno, importer, first.value, kind="queue", call=name)
                )
            elif name == "get_model":  # apps.get_model("writer", "Task") or ("writer.Task")
                label = first.value.split(".")[0]
                found.append(Import(rel, node.lineno, importer, f"apps.{label}", kind="model"))
    return found


@cache
def all_imports() -> tuple[Import, ...]:
    return tuple(imp for path in source_files() for imp in imports_of(path))


def app_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "apps" else None


def layer_violations(imports: tuple[Import, ...] | None = None) -> list[str]:
    problems = []
    for imp in all_imports() if imports is None else imports:
        for prefix, (forbidden, rule, advice) in RULES.items():
            if imp.importer != prefix and not imp.importer.startswith(prefix + "."):
                continue
            if app_of(imp.target) in forbidden:
                problems.append(
                    f"{imp.path}:{imp.line}: imports {imp.target} — rule: {rule}. "
                    f"Instead: {advice}."
                )
    return problems


@cache
def known_modules() -> frozenset[str]:
    return frozenset(module_name(path) for path in source_files())


def module_of(target: str) -> str | None:
    """The source module a dotted name lives in (`apps.x.jobs.run` -> `apps.x.jobs`)."""
    parts = target.split(".")
    while parts:
        name = ".".join(parts)
        if name in known_modules():
            return name
        parts.pop()
    return None


def cycles() -> list[str]:
    edges: dict[tuple[str, str], Import] = {}
    for imp in all_imports():
        if imp.kind != "import":
            continue
        target = module_of(imp.target)
        # A module importing its own package's __init__ (or a package its children) is how
        # Python loads packages, not a dependency between two pieces of code.
        if target is None or target == imp.importer:
            continue
        if imp.importer.startswith(target + ".") or target.startswith(imp.importer + "."):
            continue
        edges.setdefault((imp.importer, target), imp)
    problems = []
    for (a, b), imp in sorted(edges.items()):
        back = edges.get((b, a))
        if back is not None and a < b:
            problems.append(
                f"{imp.path}:{imp.line} imports {b} and {back.path}:{back.line} imports {a} — "
                "rule: no two modules import each other. Instead: move what both need into a "
                "third module they both import, or pass the function in from the caller."
            )
    return problems


def test_settings_agree_with_the_layers():
    """The rule's lists are the settings' lists, so a new app is placed on one side here too."""
    from django.conf import settings

    ours = {f"apps.{app}" for app in SHARED + TENANT}
    installed = {app for app in settings.INSTALLED_APPS if app.startswith("apps.")}
    assert ours == installed, "add the new app to SHARED or TENANT in tests/test_layers.py"
    for app in SHARED:
        assert f"apps.{app}" in settings.SHARED_APPS
    for app in TENANT:
        if app != "schedule":
            assert f"apps.{app}" in settings.TENANT_APPS


def test_layers_hold():
    problems = layer_violations()
    assert not problems, "Imports across layers:\n" + "\n".join(problems)


def test_no_two_modules_import_each_other():
    problems = cycles()
    assert not problems, "Import circles:\n" + "\n".join(problems)


def test_the_checker_sees_every_kind_of_import(tmp_path):
    """Lazy, relative and string imports are all read (a blind checker would pass anything)."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from django.urls import include\n"
        "import importlib\n"
        "def f():\n"
        "    from apps.writer.services import tasks_from_ideas\n"
        "    importlib.import_module('apps.automation.jobs')\n"
        "    return include('apps.publisher.urls')\n"
        "from ..writer import models\n",
        encoding="utf-8",
    )
    hits = imports_of(probe, importer="apps.planner.probe", rel="apps/planner/probe.py")
    lines = {(i.line, app_of(i.target)) for i in hits if app_of(i.target)}
    assert lines == {(4, "writer"), (5, "automation"), (6, "publisher"), (7, "writer")}


def test_queued_jobs_name_real_jobs():
    """A job queued by its dotted path (no import, so no circle) still names a job that exists."""
    from django.utils.module_loading import import_string

    missing = []
    for imp in (i for i in all_imports() if i.kind == "queue"):
        try:
            func = import_string(imp.target)
        except ImportError:
            missing.append(f"{imp.path}:{imp.line}: {imp.target} does not exist")
            continue
        # django-q2's own async_task queues the runner (igny8.jobs.run), not a job kind.
        if imp.call != "async_task" and not hasattr(func, "job_kind"):
            missing.append(f"{imp.path}:{imp.line}: {imp.target} is not a @jobs.job")
    assert not missing, "Queued jobs that cannot run:\n" + "\n".join(missing)


def test_a_forbidden_import_is_named_with_its_rule_and_a_way_out(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from apps.writer.models import Task\n", encoding="utf-8")
    for importer, rule in (
        ("apps.billing.probe", "shared apps import no tenant app"),
        ("apps.planner.probe", "planner imports no later stage"),
        ("igny8.ai.probe", "igny8/ai imports no pipeline app"),
    ):
        found = layer_violations(tuple(imports_of(probe, importer=importer, rel="x/probe.py")))
        assert len(found) == 1 and found[0].startswith("x/probe.py:2: imports apps.writer")
        assert f"rule: {rule}. Instead: " in found[0]
    allowed = imports_of(probe, importer="apps.automation.probe", rel="x/probe.py")
    assert layer_violations(tuple(allowed)) == []
