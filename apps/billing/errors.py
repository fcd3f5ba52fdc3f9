"""Billing refusals, each with the HTTP status and code the product promises."""

from __future__ import annotations

from igny8.errors import UserFacingError

BILLING_PATH = "/billing/"


class PlanLimitError(UserFacingError):
    status = 403
    code = "plan_limit"

    def __init__(self, message: str) -> None:
        super().__init__(message, action_url=BILLING_PATH, action_label="Upgrade your plan")


class InsufficientCredits(UserFacingError):
    status = 402
    code = "insufficient_credits"

    def __init__(self, message: str) -> None:
        super().__init__(message, action_url=BILLING_PATH, action_label="Buy credits")


class AccountLapsed(UserFacingError):
    status = 402
    code = "account_lapsed"

    def __init__(self, message: str) -> None:
        super().__init__(message, action_url=BILLING_PATH, action_label="Go to billing")
