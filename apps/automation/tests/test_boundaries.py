"""The planner and the writer never import automation (issue 12's ground rule): automation
calls their services, never the other way round, so either can be used, changed or tested
without it. Read from the source (every import, at the top or inside a function, and every
dotted path given as a string, as jobs and signals name their targets)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

FORBIDDEN = "apps.automation"


def _is_forbidden(name: str) -> bool:
    return name == FORBIDDEN or name.startswith(FORBIDDEN + ".")


def automation_references(source: str) -> list[tuple[int, str]]:
    """(line, what) for every import of automation, and every string naming one of its
    modules, in one file's source."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _is_forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _is_forbidden(node.module):
                found.append((node.lineno, node.module))
            elif node.module == "apps" and any(a.name == "automation" for a in node.names):
                found.append((node.lineno, "apps.automation"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _is_forbidden(node.value.strip())
        ):
            found.append((node.lineno, node.value.strip()))
    return found


def _sources(app: str) -> list[Path]:
    root = Path(settings.BASE_DIR) / "apps" / app
    return [p for p in sorted(root.rglob("*.py")) if "tests" not in p.relative_to(root).parts]


@pytest.mark.parametrize("app", ["planner", "writer"])
def test_the_planner_and_the_writer_never_import_automation(app):
    files = _sources(app)
    assert len(files) > 5, f"apps/{app} not found where expected"
    offending = [
        f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}"
        for path in files
        for line, what in automation_references(path.read_text(encoding="utf-8"))
    ]
    assert not offending, "automation is imported by:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    "source",
    [
        "from apps.automation.models import AutomationRun",
        "import apps.automation.services",
        "from apps import automation",
        "def f():\n    from apps.automation.handover import content_handover\n",
        "jobs.enqueue('apps.automation.jobs.run_automation', 1)",
    ],
)
def test_the_check_sees_every_way_of_importing(source):
    assert automation_references(source)


def test_the_check_leaves_other_words_alone():
    assert not automation_references(
        '"""As automation does (apps.automation calls this)."""\nfrom apps.writer import models\n'
    )
