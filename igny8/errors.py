"""Errors a user can meet, raised by services and rendered by middleware in the caller's shape.

A service raises (for example) PlanLimitError; the page gets a message with a button, an HTMX
request a notice partial, a JSON client the envelope, all with the same code and words.
"""

from __future__ import annotations


class UserFacingError(Exception):
    status: int = 400
    code: str = "error"

    def __init__(self, message: str, *, action_url: str = "", action_label: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.action_url = action_url
        self.action_label = action_label
