"""What the dashboard shows of automation: whether a site has it on (the checklist's
"automation set" item) and the site's active run on the pipeline card."""

from __future__ import annotations

from dataclasses import dataclass

from apps.automation.models import AutomationConfig, AutomationRun
from apps.automation.selectors import RunProgress, run_active, run_progress
from apps.workspace.models import Site


def automation_set(site: Site | None) -> bool:
    """The site's automation is switched on (runs on its schedule)."""
    return site is not None and AutomationConfig.objects.filter(site=site, enabled=True).exists()


@dataclass(frozen=True)
class ActiveRun:
    run: AutomationRun
    progress: RunProgress


def active_run(site: Site | None) -> ActiveRun | None:
    """The site's queued, running or paused run with its progress, for the pipeline card."""
    run = run_active(site) if site is not None else None
    return ActiveRun(run=run, progress=run_progress(run)) if run is not None else None
