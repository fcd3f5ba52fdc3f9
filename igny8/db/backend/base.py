"""django-tenants' backend with one `SET search_path` per schema switch instead of one per query.

django-tenants sends `SET search_path` every time a cursor is taken: the keywords page paid
11 round trips for it next to its 11 queries. The setting lives in the PostgreSQL session,
so once sent it holds until one of these, and only these, takes it away:

- a schema switch (`set_tenant`, `set_schema`, `schema_context`, the host middleware): the
  next cursor sends the new path. Every switch sends it, even to the same schema, so each
  request starts from a path it set itself whatever the connection did before;
- a new connection (reconnect, health check, `close()`): the path belongs to the PostgreSQL
  session, so it is tied to the very driver connection it was sent on;
- a rollback that undoes it. `SET` is transactional: `ROLLBACK` undoes a `SET` sent inside
  the transaction, and `ROLLBACK TO SAVEPOINT s` one sent after `s` was made. A `SET` sent
  before the transaction (autocommit) or before the savepoint survives them, and a commit (or
  `RELEASE SAVEPOINT`) keeps it. Without this a request whose first query ran in a
  rolled-back `atomic()` would carry on in whatever schema the connection had before: the
  previous request's workspace on a persistent connection.

Anything we cannot follow (a savepoint we did not see made, a failed `SET`) counts as lost:
the cost of a wrong guess is one more `SET`, never a query in another schema.

Raw SQL that changes the session's path for good (`SET search_path` outside our backend, a
bare `ROLLBACK`) is not seen; set the schema through the connection instead. PgBouncer must
pool by session with this backend: with transaction pooling each transaction may land on
another server connection, whose path is whichever workspace used it last.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import quote_schema_name

_PostgresWrapper = tenants_base.original_backend.DatabaseWrapper


def _in_transaction(raw: Any) -> bool:
    """Whether the driver connection has a transaction open right now (no round trip)."""
    if is_psycopg3:
        from psycopg import pq

        return raw.info.transaction_status != pq.TransactionStatus.IDLE
    import psycopg2.extensions  # pragma: no cover - the project runs psycopg 3

    return raw.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    """Sends the tenant's `search_path` once, and again only when it may have been lost."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Which driver connection carries our path (None: none does), whether the SET is
        # still inside an open transaction, and how many of our savepoints were open then.
        self._path_on: Any = None
        self._path_in_transaction = False
        self._path_savepoints = 0
        # Savepoints of the open transaction, oldest first, as we made them.
        self._savepoint_stack: list[str] = []
        # >0 inside search_path_not_needed(): the queries name their schema themselves.
        self._path_not_needed = 0
        super().__init__(*args, **kwargs)

    # --- when the path is lost -------------------------------------------------------------

    def _forget_path(self) -> None:
        self._path_on = None
        self._path_in_transaction = False
        self.search_path_set_schemas = None

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        self._forget_path()

    def connect(self) -> None:
        self._forget_path()
        self._savepoint_stack = []
        super().connect()

    def close(self) -> None:
        self._forget_path()
        self._savepoint_stack = []
        super().close()

    # django-tenants forgets the path on every rollback; ours decides in _rollback and
    # _savepoint_rollback below, so these skip its versions.
    def rollback(self) -> None:
        _PostgresWrapper.rollback(self)

    def savepoint_rollback(self, sid: str) -> None:
        _PostgresWrapper.savepoint_rollback(self, sid)

    def _commit(self) -> None:
        super()._commit()
        self._savepoint_stack = []
        self._path_in_transaction = False  # committed: it holds for the session now

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            # Forgotten even if the rollback failed: the transaction is gone either way.
            self._savepoint_stack = []
            if self._path_in_transaction:
                self._forget_path()

    def _savepoint(self, sid: str) -> None:
        # The cursor taken for SAVEPOINT may send the path first, so it precedes the savepoint.
        super()._savepoint(sid)
        self._savepoint_stack.append(sid)

    def _savepoint_rollback(self, sid: str) -> None:
        try:
            super()._savepoint_rollback(sid)
        finally:
            if sid not in self._savepoint_stack:
                self._forget_path()
            else:
                position = self._savepoint_stack.index(sid)
                # ROLLBACK TO keeps the savepoint itself and drops the later ones.
                del self._savepoint_stack[position + 1 :]
                if self._path_in_transaction and position < self._path_savepoints:
                    self._forget_path()  # the SET came after the savepoint: undone

    def _savepoint_commit(self, sid: str) -> None:
        super()._savepoint_commit(sid)
        if sid in self._savepoint_stack:
            position = self._savepoint_stack.index(sid)
            # RELEASE merges the savepoint (and later ones) into the one before it: a SET made
            # inside now belongs to that level, and rolling back to it would undo the SET.
            del self._savepoint_stack[position:]
            self._path_savepoints = min(self._path_savepoints, position)

    # --- sending it ------------------------------------------------------------------------

    @contextmanager
    def search_path_not_needed(self) -> Iterator[None]:
        """For queries that name the schema of every table (`"public"."accounts_domain"`):
        they run on whatever path the session has, so no `SET` is sent for them."""
        self._path_not_needed += 1
        try:
            yield
        finally:
            self._path_not_needed -= 1

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self._path_on is not None and self._path_on is self.connection:
            return
        if self._setting_search_path or self._path_not_needed:
            return
        if not self.schema_name:
            raise ImproperlyConfigured(
                "Database schema not set. Did you forget to call set_schema() or set_tenant()?"
            )
        search_paths = self._get_cursor_search_paths()
        self._setting_search_path = True
        cursor_for_search_path = self.connection.cursor() if cursor is None else cursor
        try:
            quoted = ",".join(quote_schema_name(s) for s in search_paths)
            cursor_for_search_path.execute(f"SET search_path = {quoted}")
        except (DatabaseError, tenants_base.psycopg.InternalError):
            # Inside a failed transaction: the next statement fails as well, or is the
            # rollback after which the path is sent again.
            self._forget_path()
        else:
            self._path_on = self.connection
            self._path_in_transaction = _in_transaction(self.connection)
            self._path_savepoints = len(self._savepoint_stack)
            self.search_path_set_schemas = search_paths
        finally:
            self._setting_search_path = False
            if cursor is None:
                cursor_for_search_path.close()
