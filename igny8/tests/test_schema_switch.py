"""One `SET search_path` per schema switch (igny8/db/backend), and never a query in the wrong
schema: after a rolled-back transaction or savepoint, a reconnect, nested schema_context,
workspaces taking turns on one connection, and jobs.

The transaction tests use a connection of their own (`probe`), outside the test's wrapping
transaction, so that their BEGIN, COMMIT and ROLLBACK are the real ones a request makes.
Every check of "where am I" asks PostgreSQL (`current_schema()`), not django-tenants.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import get_public_schema_name, schema_context

from apps.planner.tests.helpers_keywords import HX, LIST, add_keywords, client_on, shown_texts
from igny8 import jobs
from igny8.tests import sample_jobs
from tests.factories import make_site

PROBE = "schema_probe"


def is_switch(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SET SEARCH_PATH")


class Probe:
    """A second connection to the test database, with every statement it sends recorded."""

    def __init__(self) -> None:
        self.db = connections.create_connection("default")
        self.sent: list[str] = []
        self.db.execute_wrappers.append(self._record)

    def _record(self, execute, sql, params, many, context):
        self.sent.append(sql)
        return execute(sql, params, many, context)

    def where(self) -> str:
        with self.db.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            return cursor.fetchone()[0]

    def switches(self, schema: str = "") -> int:
        """`SET search_path` statements sent (those naming `schema`, if given)."""
        named = [sql for sql in self.sent if is_switch(sql)]
        return sum(not schema or f'"{schema}"' in sql for sql in named)


@pytest.fixture
def probe(workspaces, db) -> Iterator[Probe]:
    made = Probe()
    # Registered under an alias of its own so that transaction.atomic(using=PROBE) drives it.
    connections[PROBE] = made.db
    try:
        yield made
    finally:
        del connections[PROBE]
        made.db.close()


class Boom(Exception):
    pass


# --- a rolled-back transaction cannot leave the connection in another schema ---------------


def test_a_switch_rolled_back_with_its_transaction_is_sent_again(probe, alpha, beta):
    probe.db.set_schema(alpha.schema)
    assert probe.where() == alpha.schema  # sent in autocommit: it outlives any transaction

    with pytest.raises(Boom), transaction.atomic(using=PROBE):
        probe.db.set_schema(beta.schema)
        assert probe.where() == beta.schema
        raise Boom  # ROLLBACK: PostgreSQL is back on alpha's path

    # beta is still the schema asked for: the next query must run there, not in alpha.
    assert probe.where() == beta.schema


def test_a_first_query_rolled_back_does_not_leave_the_previous_workspace(probe, alpha, beta):
    """A persistent connection served beta; the next request is alpha's and its first query
    runs in an atomic block that fails: the request must not carry on in beta."""
    probe.db.set_schema(beta.schema)
    assert probe.where() == beta.schema

    probe.db.set_schema(alpha.schema)
    with pytest.raises(Boom), transaction.atomic(using=PROBE):
        assert probe.where() == alpha.schema
        raise Boom

    assert probe.where() == alpha.schema


def test_a_savepoint_made_before_the_switch_undoes_it_and_it_is_sent_again(probe, alpha, beta):
    probe.db.set_schema(alpha.schema)
    with transaction.atomic(using=PROBE):
        assert probe.where() == alpha.schema
        with pytest.raises(Boom), transaction.atomic(using=PROBE):  # SAVEPOINT
            probe.db.set_schema(beta.schema)
            assert probe.where() == beta.schema
            raise Boom  # ROLLBACK TO SAVEPOINT: back on alpha's path
        assert probe.where() == beta.schema
    assert probe.where() == beta.schema


def test_a_released_savepoint_still_loses_the_switch_with_the_outer_savepoint(probe, alpha, beta):
    probe.db.set_schema(alpha.schema)
    with transaction.atomic(using=PROBE):
        assert probe.where() == alpha.schema
        with pytest.raises(Boom), transaction.atomic(using=PROBE):  # SAVEPOINT s1
            with transaction.atomic(using=PROBE):  # SAVEPOINT s2 … RELEASE s2
                probe.db.set_schema(beta.schema)
                assert probe.where() == beta.schema
            raise Boom  # ROLLBACK TO s1 undoes the SET made inside s2
        assert probe.where() == beta.schema


def test_a_switch_kept_by_a_released_savepoint_survives_a_later_ones_rollback(probe, alpha, beta):
    probe.db.set_schema(alpha.schema)
    with transaction.atomic(using=PROBE):
        with transaction.atomic(using=PROBE):  # SAVEPOINT s1 … RELEASE s1
            probe.db.set_schema(beta.schema)
            assert probe.where() == beta.schema
        with pytest.raises(Boom), transaction.atomic(using=PROBE):  # s2, made after the SET
            assert probe.where() == beta.schema
            raise Boom
        assert probe.where() == beta.schema
    assert probe.switches(beta.schema) == 1  # kept through RELEASE and the later rollback


def test_a_switch_made_before_the_transaction_or_savepoint_survives_their_rollback(probe, alpha):
    probe.db.set_schema(alpha.schema)
    assert probe.where() == alpha.schema
    with pytest.raises(Boom), transaction.atomic(using=PROBE):
        assert probe.where() == alpha.schema
        with pytest.raises(Boom), transaction.atomic(using=PROBE):
            assert probe.where() == alpha.schema
            raise Boom
        assert probe.where() == alpha.schema
        raise Boom
    assert probe.where() == alpha.schema
    assert probe.switches() == 1  # nothing was lost, so nothing was sent again


def test_a_committed_switch_is_kept(probe, alpha, beta):
    probe.db.set_schema(alpha.schema)
    with transaction.atomic(using=PROBE):
        probe.db.set_schema(beta.schema)
        assert probe.where() == beta.schema
    with pytest.raises(Boom), transaction.atomic(using=PROBE):
        assert probe.where() == beta.schema
        raise Boom
    assert probe.where() == beta.schema
    assert probe.switches() == 1


def test_a_failed_statement_in_a_transaction_does_not_lose_the_schema(probe, alpha):
    probe.db.set_schema(alpha.schema)
    with transaction.atomic(using=PROBE):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(using=PROBE),
            probe.db.cursor() as cursor,
        ):
            cursor.execute("SELECT * FROM no_such_table")
        assert probe.where() == alpha.schema
    assert probe.where() == alpha.schema


# --- reconnects --------------------------------------------------------------------------


def test_a_reconnect_sends_the_path_again(probe, alpha):
    probe.db.set_schema(alpha.schema)
    assert probe.where() == alpha.schema
    probe.db.close()
    assert probe.where() == alpha.schema
    assert probe.switches() == 2


def test_a_connection_killed_by_the_server_comes_back_in_its_schema(probe, alpha):
    probe.db.set_schema(alpha.schema)
    assert probe.where() == alpha.schema
    pid = probe.db.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])

    with pytest.raises(DatabaseError):
        probe.where()
    probe.db.close_if_unusable_or_obsolete()  # what Django does at the end of a request

    assert probe.where() == alpha.schema


# --- schema switches in one process --------------------------------------------------------


def where() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_nested_schema_contexts_restore_each_schema(alpha, beta):
    public = get_public_schema_name()
    connection.set_tenant(alpha.account)
    assert where() == alpha.schema
    with schema_context(beta.schema):
        assert where() == beta.schema
        with schema_context(public):
            assert where() == public
            with schema_context(beta.schema):
                assert where() == beta.schema
            assert where() == public
        assert where() == beta.schema
    assert where() == alpha.schema


def test_switching_sends_the_path_once_not_before_every_query(alpha):
    connection.set_tenant(alpha.account)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(5):
            assert where() == alpha.schema
    assert sum(is_switch(q["sql"]) for q in captured.captured_queries) == 1


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def two_sites(alpha, beta) -> dict[str, object]:
    sites = {
        ws.schema: make_site(ws.account, f"Site of {ws.schema}", sectors=1) for ws in (alpha, beta)
    }
    for ws in (alpha, beta):
        add_keywords(ws, sites[ws.schema], [{"text": f"only in {ws.schema}"}])
    return sites


def test_a_page_sends_one_schema_switch_for_its_workspace(alpha, two_sites, client_for):
    client = client_on(client_for, alpha.owner, alpha, two_sites[alpha.schema])
    client.get(LIST)  # first request of the session: log-in leftovers out of the way
    for headers in ({}, HX):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, **headers)
        assert response.status_code == 200
        switches = [q["sql"] for q in captured.captured_queries if is_switch(q["sql"])]
        assert len(switches) == 1, switches
        assert f'"{alpha.schema}"' in switches[0]
        assert shown_texts(response) == [f"only in {alpha.schema}"]


def test_two_workspaces_taking_turns_on_one_connection_each_see_their_own(
    alpha, beta, two_sites, client_for
):
    clients = {
        ws.schema: client_on(client_for, ws.owner, ws, two_sites[ws.schema]) for ws in (alpha, beta)
    }
    for turn in range(6):
        schema = (alpha.schema, beta.schema)[turn % 2]
        response = clients[schema].get(LIST, **(HX if turn % 3 else {}))
        assert response.status_code == 200
        assert shown_texts(response) == [f"only in {schema}"]


def test_a_failed_transaction_in_one_request_does_not_move_the_next_one(
    alpha, beta, two_sites, client_for
):
    """beta's request ends inside a rolled-back block in another schema; alpha's next."""
    client = client_on(client_for, alpha.owner, alpha, two_sites[alpha.schema])
    connection.set_tenant(beta.account)
    with pytest.raises(Boom), transaction.atomic():
        connection.set_tenant(alpha.account)
        assert where() == alpha.schema
        raise Boom
    assert where() == alpha.schema
    response = client.get(LIST)
    assert shown_texts(response) == [f"only in {alpha.schema}"]


# --- jobs ----------------------------------------------------------------------------------


def test_jobs_in_turn_each_run_in_their_own_schema_even_after_a_failed_one(alpha, beta):
    calls = [
        (alpha.schema, ("a1",)),
        (beta.schema, ("b1",)),
        (alpha.schema, ("a2",)),
    ]
    records = jobs.enqueue_each(sample_jobs.where_am_i, calls, label="turns")
    with schema_context(beta.schema):
        failed = jobs.enqueue(sample_jobs.explode, "on purpose")
    records += jobs.enqueue_each(sample_jobs.where_am_i, [(beta.schema, ("b2",))], label="after")

    assert failed.status == "failed"
    ran = [r.result["message"] for r in records]
    assert ran == [
        f"a1 ran in {alpha.schema}",
        f"b1 ran in {beta.schema}",
        f"a2 ran in {alpha.schema}",
        f"b2 ran in {beta.schema}",
    ]
