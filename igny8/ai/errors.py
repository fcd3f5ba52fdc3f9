"""Errors of AI runs, in plain words, each with what to do next.

Every error carries three things:
- `message`: the sentence a writer reads (what happened, what to do next), never a class name,
  a schema path or a status line;
- `reason`: the same cause as a short clause that fits "… failed because <reason>", so that a
  job over many items can say "3 of 5 articles failed: 2 because the AI provider did not answer
  in time, 1 because …";
- `detail`: what staff need to dig further (the provider's own words, the schema complaint),
  shown folded away and to staff only. May be empty.
"""

from __future__ import annotations

from igny8.errors import UserFacingError


class AIError(UserFacingError):
    status = 502
    code = "ai_error"
    default_reason = "the AI provider returned an error"
    # Failures of the provider itself (it is down, slow, refuses us): a job over many items
    # stops after a few of these in a row, since the next item would meet the same.
    provider_failure = False
    # Failures no later item can escape (a refused key, an unknown model): stop at once.
    stops_at_once = False

    def __init__(self, message: str, *, reason: str = "", detail: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason or self.default_reason
        self.detail = detail


class ProviderAuthError(AIError):
    code = "ai_auth"
    default_reason = "the AI provider refused the API key"
    provider_failure = True
    stops_at_once = True


class ProviderModelNotFound(AIError):
    code = "ai_model_not_found"
    default_reason = "the AI provider does not know the model"
    provider_failure = True
    stops_at_once = True


class ProviderUnavailable(AIError):
    code = "ai_unavailable"
    default_reason = "the AI provider could not be reached"
    provider_failure = True


class InvalidOutput(AIError):
    """The provider answered, twice, with something that cannot be used (not the asked shape,
    or an article too short or missing parts)."""

    code = "ai_invalid_output"
    default_reason = "the AI's answer could not be used"


class InvalidInput(AIError):
    status = 400
    code = "ai_invalid_input"
    default_reason = "the request to the AI was not valid"


def reason_of(exc: BaseException) -> str:
    """Why an item failed, as a clause after "because"."""
    reason = getattr(exc, "reason", "")
    if isinstance(reason, str) and reason:
        return reason
    from apps.billing.errors import AccountLapsed, InsufficientCredits

    if isinstance(exc, InsufficientCredits):
        return "the workspace ran out of credits"
    if isinstance(exc, AccountLapsed):
        return "the workspace's plan needs attention on the billing page"
    if isinstance(exc, UserFacingError):
        return "of a problem described on the item"
    return "of an unexpected error on our side"


def detail_of(exc: BaseException) -> str:
    """The technical detail of a failure, for staff."""
    import traceback

    text = "".join(traceback.format_exception_only(exc)).strip()
    extra = getattr(exc, "detail", "")
    return f"{text}\n{extra}".strip() if extra else text
