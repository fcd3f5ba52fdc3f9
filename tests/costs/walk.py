"""Reading a cost off a page as a person reads it, and checking the ledger against it.

Every place that shows what an AI run will cost marks the element with `data-cost` (the
credits as a number); the walk reads the element's words ("12 credits", "1 credit", "free
with the offline writer", "free") and requires the number to say the same. Then it runs the
action and requires the workspace's credits to change by exactly that much.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.test import Client
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.workspace.models import AIUsage, Site
from igny8.ai.context import site_context
from igny8.ai.providers.offline import WRITERS
from tests.fixtures import Workspace

_COST = re.compile(r'<(strong|button|a)\b([^>]*)\bdata-cost="(\d+)"([^>]*)>(.*?)</\1>', re.S)
HX = {"HTTP_HX_REQUEST": "true"}


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def credits_in(words: str) -> int:
    """The credits a sentence or button states: "free …" is 0, "12 credits" is 12."""
    amounts = re.findall(r"(\d[\d,]*) credits?\b", words)
    if re.search(r"\bfree\b", words, re.I):
        assert not amounts, f"free and priced at once: {words!r}"
        return 0
    assert len(amounts) == 1, f"no single price in {words!r}"
    return int(amounts[0].replace(",", ""))


def shown_cost(markup: str, marker: str = "") -> int:
    """The cost shown by the first element carrying `data-cost` (and `marker` in its tag)."""
    for match in _COST.finditer(markup):
        tag = match.group(2) + match.group(4)
        if marker in tag:
            words = text_of(match.group(5))
            shown = credits_in(words)
            assert shown == int(match.group(3)), f"{words!r} but data-cost={match.group(3)}"
            return shown
    raise AssertionError(f"no cost shown for {marker!r}")


def answer(function: str, data: dict, site: Site, sector: str = "") -> str:
    """What a capable model would answer: the offline writer's output for the same request
    (full length, every part present), as the JSON a provider sends."""
    return json.dumps(WRITERS[function](data, site_context(site, sector=sector)))


@dataclass
class Walk:
    ws: Workspace
    client: Client
    site: Site
    taken: list[tuple[str, int, int]] = field(default_factory=list)  # what, shown, taken

    def balance(self) -> int:
        return credits.balance_for(self.ws.account).total

    def take(self, what: str, shown: int, action: Callable[[], object]):
        """Run `action` and require the credits to drop by exactly `shown`."""
        before = self.balance()
        result = action()
        taken = before - self.balance()
        self.taken.append((what, shown, taken))
        assert taken == shown, f"{what}: the page showed {shown} credits, the ledger took {taken}"
        assert credits.reconcile(self.ws.account).ok
        return result

    def usage(self) -> list[AIUsage]:
        with schema_context(self.ws.schema):
            return list(AIUsage.objects.filter(site=self.site).order_by("pk"))
