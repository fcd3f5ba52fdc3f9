"""Errors of AI runs, in plain words, each with what to do next."""

from __future__ import annotations

from igny8.errors import UserFacingError


class AIError(UserFacingError):
    status = 502
    code = "ai_error"


class ProviderAuthError(AIError):
    code = "ai_auth"


class ProviderModelNotFound(AIError):
    code = "ai_model_not_found"


class ProviderUnavailable(AIError):
    code = "ai_unavailable"


class InvalidOutput(AIError):
    """The provider answered, twice, with something that does not fit the function's schema."""

    code = "ai_invalid_output"


class InvalidInput(AIError):
    status = 400
    code = "ai_invalid_input"
