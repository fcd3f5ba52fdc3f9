"""Django's database sessions, read with one plain statement.

Every request reads its session. `SessionStore` is Django's database store with only the read
changed: the same SELECT on the same table (`igny8/db/rows.py`), without the ORM's query
building (~0.3 ms of CPU a request). Writes, expiry and the cookie are Django's own.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from igny8.db.rows import select_one


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        try:
            key = self.session_key
            found = select_one(
                self.model,
                "t.session_key = %s AND t.expire_date > %s",
                [key, timezone.now()],
            )
        except SuspiciousOperation as e:  # as Django's store does
            logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            found = None
        if found is None:
            self._session_key = None
        return found
