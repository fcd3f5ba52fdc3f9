"""What an AI run costs here and now: decided by the provider that will serve it.

- Runs the built-in offline provider serves are free: 0 credits, shown as "free with the
  offline writer". The engine still records each one (a zero-credit reservation and an
  AIUsage row), so the usage history stays complete.
- Runs a real provider serves cost what billing's CreditCost table says.
- Pictures need an image model: a workspace whose provider has none gets the offline title
  cards, which are free too (and called so), even though its text runs are paid.

Pages and the engine ask the same `price()`, so the credits shown before a run are the credits
reserved for it; settlement never takes more than the reservation (see billing.credits.settle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from apps.billing import credits
from igny8.ai import functions
from igny8.ai.config import OFFLINE, AIConfig, workspace_config
from igny8.errors import UserFacingError

FREE = "free with the offline writer"
CARDS = "offline title cards"


def in_force() -> AIConfig:
    """The provider configuration in force in the current workspace (offline when none)."""
    return workspace_config()


def serving(function: str | functions.AIFunction, config: AIConfig | None = None) -> AIConfig:
    """The configuration that will actually serve `function`: the workspace's (or the one
    given), except that pictures come from the offline title cards without an image model."""
    fn = functions.get(function) if isinstance(function, str) else function
    config = config or in_force()
    if fn.kind == "image" and not config.image_model:
        return OFFLINE
    return config


@dataclass(frozen=True)
class Price:
    """Credits for one or more runs, and whether the offline writer serves them (free)."""

    credits: int = 0
    offline: bool = False
    cards: bool = False  # pictures drawn as offline title cards

    @property
    def free(self) -> bool:
        return self.credits == 0

    @property
    def words(self) -> str:
        """The cost as a page says it: "12 credits", "1 credit" or the free wording."""
        if self.offline:
            return f"{FREE} ({CARDS})" if self.cards else FREE
        return credit_words(self.credits)

    def __str__(self) -> str:
        return self.words

    def __add__(self, other: Price) -> Price:
        return Price(
            credits=self.credits + other.credits,
            offline=self.offline and other.offline,
            cards=self.cards and other.cards,
        )

    def __mul__(self, times: int) -> Price:
        return Price(credits=self.credits * int(times), offline=self.offline, cards=self.cards)

    __rmul__ = __mul__


def credit_words(n: int) -> str:
    return f"{n:,} credit{'' if n == 1 else 's'}"


def price(
    function: str | functions.AIFunction, units: int, *, config: AIConfig | None = None
) -> Price:
    """What a run of `function` over `units` (items, words, images, requests) costs with the
    provider in force (or `config`)."""
    fn = functions.get(function) if isinstance(function, str) else function
    served = serving(fn, config)
    if served.is_offline:
        return Price(credits=0, offline=True, cards=fn.kind == "image")
    return Price(credits=credits.estimate(fn.operation, units))


def total(prices: list[Price], *, config: AIConfig | None = None) -> Price:
    """The sum of several prices (an empty list: nothing, free when offline is in force)."""
    if prices:
        result = prices[0]
        for p in prices[1:]:
            result = result + p
        return result
    served = config or in_force()
    return Price(credits=0, offline=served.is_offline)


def spent_words(charged: int, *, offline: bool) -> str:
    """What a finished run cost, for its result message."""
    if offline:
        return FREE
    if charged == 0:
        return "nothing charged"
    return credit_words(charged)


class CostChanged(UserFacingError):
    """The price is no longer the one the page showed (the provider or the work changed in
    between): nothing starts, and the page shows the new price to confirm."""

    status = 409
    code = "cost_changed"


def shown_in(data: Mapping[str, str]) -> int | None:
    """The credits the page showed on the button that posted (its `shown` field), None when it
    sent none: what check_shown compares the price with."""
    shown = data.get("shown", "")
    return int(shown) if shown.isdigit() else None


def check_shown(shown: int | None, price: Price, what: str) -> None:
    """Refuse to start when the page showed another price than the one that would be taken.
    `shown` is None when the caller showed nothing (the API, automation, tests)."""
    if shown is not None and shown != price.credits:
        raise CostChanged(
            f"The cost changed since the page was shown: {what} now costs {price}. Check it "
            "and confirm again."
        )
