"""Every app has the same rooms (DESIGN.md §1): `views`, `selectors`, `forms`, `urls`,
`services` and `jobs` are each one module, or a package with a module per feature once a room
outgrows one file; never prefixed or suffixed siblings (`views_content.py`, `team_views.py`),
which is how the writer once came to hold forty files side by side."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parent.parent / "apps"
ROOMS = ("views", "selectors", "forms", "urls", "services", "jobs")
# A room's name as a prefix or a suffix of a module beside it: views_content.py, ai_forms.py.
SIBLING = re.compile(rf"^(?:(?:{'|'.join(ROOMS)})_\w+|\w+_(?:{'|'.join(ROOMS)}))\.py$")


def _apps() -> list[Path]:
    return sorted(p for p in APPS.iterdir() if (p / "apps.py").exists())


@pytest.mark.parametrize("app", _apps(), ids=lambda p: p.name)
def test_an_apps_rooms_are_modules_or_packages_never_prefixed_siblings(app: Path) -> None:
    # Only the app's own level: a feature package (publisher/api/) may hold its own views.py.
    siblings = sorted(p.name for p in app.glob("*.py") if SIBLING.match(p.name))
    assert not siblings, (
        f"{app.name} has room modules beside each other: {', '.join(siblings)}. Put each in its "
        f"room's package instead (e.g. views_content.py -> views/content.py), as DESIGN.md §1 says."
    )
    for room in ROOMS:
        module, package = app / f"{room}.py", app / room
        assert not (module.exists() and package.is_dir()), (
            f"{app.name} has both {room}.py and {room}/: move {room}.py into the package."
        )


def test_the_rule_sees_a_prefixed_sibling() -> None:
    names = ["views_content.py", "team_views.py", "ai_settings_services.py", "urls_public.py"]
    assert all(SIBLING.match(name) for name in names)
    assert not any(SIBLING.match(n) for n in ["views.py", "viewsets.py", "models.py", "jobs.py"])
