"""What a run would do now, and what it would cost: the pipeline's seven cards.

Prices come from the same functions the planner and writer pages use (`igny8.ai.costs`), so
what is shown is what is reserved. Stage 1 (clustering) and stage 3 (queueing ideas) are free;
stage 7 only moves statuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from apps.automation.models import STAGE_NAMES, STAGE_NUMBERS, STAGE_UNITS, AutomationConfig
from apps.automation.services.run_words import active_words
from apps.automation.stages import stage
from apps.workspace.models import Site
from igny8.ai import costs

# Stage 1 groups every new keyword (clustering is free and local); the others take at most
# `max_items` items in one run.
CAPPED = {2, 3, 4, 5, 6, 7}


@dataclass(frozen=True)
class StageCount:
    number: int
    name: str
    unit: str  # what one item is ("keyword", "task", …)
    enabled: bool
    pending: int

    @property
    def unit_words(self) -> str:
        return f"{self.pending:,} {self.unit}{'' if self.pending == 1 else 's'}"


@dataclass(frozen=True)
class StagePreview(StageCount):
    planned: int = 0  # what one run would take: pending, at most max_items
    price: costs.Price = costs.Price()

    @property
    def cost_words(self) -> str:
        """ "free" for stages that never cost; else the price as pages say it."""
        if self.price.free and not self.price.offline:
            return "free"
        return str(self.price)


@dataclass(frozen=True)
class RunPreview:
    stages: list[StagePreview]
    balance: int
    can_start: bool
    reason: str  # why it cannot start ("" when it can)

    @property
    def total(self) -> costs.Price:
        return costs.total([s.price for s in self.stages if s.enabled])

    @property
    def first(self) -> StagePreview | None:
        """The first stage a run would work in (switched on, with something pending)."""
        return next((s for s in self.stages if s.enabled and s.pending), None)


def planned_for(number: int, pending: int, config: AutomationConfig) -> int:
    return min(pending, config.max_items) if number in CAPPED else pending


def pipeline_counts(site: Site, config: AutomationConfig | None = None) -> list[StageCount]:
    """What is pending at each stage of the site now (one count query per stage)."""
    from apps.automation.services.config import config_for

    config = config or config_for(site)
    return [
        StageCount(
            number=n,
            name=STAGE_NAMES[n],
            unit=STAGE_UNITS[n],
            enabled=config.stage_on(n),
            pending=stage(n).count(site, config),
        )
        for n in STAGE_NUMBERS
    ]


def _account():
    from apps.accounts.models import Account

    return Account.objects.get(schema_name=connection.schema_name)


def run_preview(*, site: Site) -> RunPreview:
    """Per stage: pending items, what one run would take and cost; the balance; and whether a
    run may start now (with the reason when not)."""
    from apps.automation.selectors import run_active
    from apps.automation.services.config import config_for
    from apps.billing import credits
    from apps.billing.plans import account_plan_state

    config = config_for(site)
    account = _account()
    balance = credits.balance_for(account).total
    stages = []
    for count in pipeline_counts(site, config):
        planned = planned_for(count.number, count.pending, config)
        price = (
            stage(count.number).price(site, config, planned)
            if count.enabled and planned
            else costs.Price(credits=0)
        )
        stages.append(StagePreview(**count.__dict__, planned=planned, price=price))
    preview = RunPreview(stages=stages, balance=balance, can_start=True, reason="")
    reason = ""
    state = account_plan_state(account)
    active = run_active(site)
    if not state.can_write:
        reason = state.message
    elif not site.is_active:
        reason = (
            f"{site.name} is switched off, so automation does not run on it. Switch the site "
            "on in the site's settings first."
        )
    elif active is not None:
        reason = active_words(active)
    elif preview.first is None:
        reason = (
            f"There is nothing for automation to do on {site.name} now: no new keywords, "
            "clusters, ideas, tasks or articles waiting in the stages that are switched on. Add "
            "keywords (or switch stages on), then run it."
        )
    elif preview.first.price.credits > balance:
        first = preview.first
        reason = (
            f"The first stage ({first.name}) costs {first.price} for "
            f"{first.planned:,} {first.unit}{'' if first.planned == 1 else 's'} and the "
            f"workspace has {balance:,} credits. Buy a credit pack or upgrade the plan, or "
            "lower the items per run."
        )
    if reason:
        return RunPreview(stages=stages, balance=balance, can_start=False, reason=reason)
    return preview
