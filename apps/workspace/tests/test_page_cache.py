"""The page cache: a read page answered from memory while nothing it shows has changed, and
never once something has (apps/workspace/page_cache.py, apps/accounts/change_log.py).

These tests run on committed rows (no wrapping transaction): the cache stays out of a
transaction that has written, which is what every other test's transaction is. Each test makes
its own site in alpha and removes it after.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.accounts.change_log import compact, compact_all, unwatched_tables
from apps.accounts.models import Account, Membership, Role
from apps.billing import credits
from apps.billing.models import CreditBalance, CreditLedger
from apps.planner.models import Keyword, normalize_keyword
from apps.workspace import page_cache
from apps.workspace.models import Site
from tests.committed import committed_database
from tests.factories import make_site

KEYWORDS = "/planner/keywords/"
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "keywords"}
PAGES = ["/", KEYWORDS, "/planner/clusters/", "/writer/content/"]


@pytest.fixture
def ws(request, django_db_setup, django_db_blocker, django_db_keepdb) -> Iterator:
    """Alpha on committed rows, with a site of its own (removed after, with its rows)."""
    with committed_database(django_db_blocker, django_db_keepdb):
        alpha = request.getfixturevalue("workspaces")["alpha"]
        connection.set_schema_to_public()
        site = make_site(alpha.account, f"Cache site {uuid.uuid4().hex[:6]}", sectors=1)
        alpha.site = site
        # Folded now, the log is not folded in the middle of a test (which moves the version).
        compact(alpha.schema)
        page_cache.store.clear()
        yield alpha
        connection.set_schema_to_public()
        with schema_context(alpha.schema):
            Site.objects.filter(pk=site.pk).delete()
        connection.set_schema_to_public()
        page_cache.store.clear()


def client_of(ws, user) -> Client:
    client = Client(HTTP_HOST=ws.host)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    # Look at this test's site (the switcher's choice is kept in the session).
    client.post("/sites/switch/", {"site": ws.site.pk, "next": "/"})
    return client


def keyword_add(ws, text: str) -> Keyword:
    with schema_context(ws.schema):
        sector = ws.site.sectors.first()
        return Keyword.objects.create(
            site=ws.site, sector=sector, text=text, normalized=normalize_keyword(text)
        )


def on_another_connection(call) -> None:
    """What another host does: its own connection, committed when it returns."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            call()
        except BaseException as exc:  # re-raised in the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    if errors:
        raise errors[0]


def cached(response) -> str:
    return response[page_cache.HEADER]


def without_tokens(html: bytes) -> bytes:
    html = re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", html)
    return re.sub(rb'nonce="[^"]*"', b'nonce=""', html)


# --- answered from memory ---------------------------------------------------------------------


def test_each_busy_page_is_answered_from_memory_the_second_time(ws):
    client = client_of(ws, ws.owner)
    keyword_add(ws, "blue tomatoes")
    for path in PAGES:
        first = client.get(path)
        with CaptureQueriesContext(connection) as hit_queries:
            second = client.get(path)
        assert first.status_code == second.status_code == 200, path
        assert (cached(first), cached(second)) == ("miss", "hit"), path
        assert without_tokens(first.content) == without_tokens(second.content), path
        # What a hit still reads: the middleware's rows and the version (not the page's).
        assert len(hit_queries) <= 8, [q["sql"][:80] for q in hit_queries]
    assert "blue tomatoes" in client.get(KEYWORDS).content.decode()


def test_the_partial_and_the_page_are_kept_apart(ws):
    client = client_of(ws, ws.owner)
    page = client.get(KEYWORDS)
    partial = client.get(KEYWORDS, **HX)
    assert cached(page) == cached(partial) == "miss"
    assert b"<html" in page.content and b"<html" not in partial.content
    hit = client.get(KEYWORDS, **HX)
    assert cached(hit) == "hit"
    assert b"<html" not in hit.content
    # The answer still tells the page the balance, as read for this request.
    total = CreditBalance.objects.get(account=ws.account)
    told = json.loads(hit["HX-Trigger-After-Settle"])["credits-changed"]["total"]
    assert told == total.plan_credits + total.bonus_credits


# --- never stale ------------------------------------------------------------------------------


def test_a_write_from_another_host_shows_at_once(ws):
    client = client_of(ws, ws.owner)
    assert "rare orchids" not in client.get(KEYWORDS).content.decode()
    assert cached(client.get(KEYWORDS)) == "hit"
    on_another_connection(lambda: keyword_add(ws, "rare orchids"))
    answer = client.get(KEYWORDS)
    assert cached(answer) == "miss"
    assert "rare orchids" in answer.content.decode()


@pytest.mark.parametrize("how", ["update", "raw sql", "delete"])
def test_every_kind_of_write_moves_the_version(ws, how):
    client = client_of(ws, ws.owner)
    keyword = keyword_add(ws, "garden hose")
    assert "garden hose" in client.get(KEYWORDS).content.decode()
    assert cached(client.get(KEYWORDS)) == "hit"

    def write() -> None:
        with schema_context(ws.schema):
            if how == "update":
                Keyword.objects.filter(pk=keyword.pk).update(text="watering can")
            elif how == "raw sql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE planner_keyword SET text = 'watering can' WHERE id = %s",
                        [keyword.pk],
                    )
            else:
                Keyword.objects.filter(pk=keyword.pk).delete()

    on_another_connection(write)
    page = client.get(KEYWORDS).content.decode()
    assert "garden hose" not in page
    assert ("watering can" in page) is (how != "delete")


def test_a_write_that_rolled_back_keeps_the_answer(ws):
    client = client_of(ws, ws.owner)
    client.get(KEYWORDS)

    def write_then_fail() -> None:
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            keyword_add(ws, "never there")
            raise RuntimeError("undone")

    on_another_connection(write_then_fail)
    answer = client.get(KEYWORDS)
    assert cached(answer) == "hit"
    assert "never there" not in answer.content.decode()


def test_a_request_inside_a_transaction_that_wrote_bypasses_the_cache(ws):
    from django.db import transaction

    client = client_of(ws, ws.owner)
    client.get(KEYWORDS)
    with transaction.atomic():
        keyword_add(ws, "not yet committed")
        answer = client.get(KEYWORDS)
        assert cached(answer) == "bypass"
        assert "not yet committed" in answer.content.decode()
        transaction.set_rollback(True)
    # Nothing of it was kept: the committed page is what comes back.
    again = client.get(KEYWORDS)
    assert cached(again) == "hit"
    assert "not yet committed" not in again.content.decode()


def test_the_balance_and_the_role_are_part_of_the_answer(ws):
    client = client_of(ws, ws.owner)
    before = client.get("/").content.decode()
    assert cached(client.get("/")) == "hit"
    key = f"cache-test:{uuid.uuid4().hex}"
    balance = CreditBalance.objects.get(account=ws.account)
    try:
        on_another_connection(lambda: credits.purchase(account=ws.account, credits=777, key=key))
        after = client.get("/")
        assert cached(after) == "miss"
        assert after.content.decode() != before
    finally:  # alpha's ledger and balance as they were, for the other tests
        CreditLedger.objects.filter(account=ws.account, idempotency_key=key).delete()
        CreditBalance.objects.filter(pk=balance.pk).update(
            plan_credits=balance.plan_credits, bonus_credits=balance.bonus_credits
        )

    editor = client_of(ws, ws.editor)
    answer = client.get(KEYWORDS)
    theirs = editor.get(KEYWORDS)
    assert cached(theirs) == "miss"  # another person: never someone else's answer
    assert ws.editor.email in theirs.content.decode()
    assert ws.owner.email not in theirs.content.decode()
    assert ws.owner.email in answer.content.decode()

    membership = Membership.objects.get(user=ws.editor, account=ws.account)
    try:
        on_another_connection(
            lambda: Membership.objects.filter(pk=membership.pk).update(role=Role.VIEWER)
        )
        assert cached(editor.get(KEYWORDS)) == "miss"
    finally:
        Membership.objects.filter(pk=membership.pk).update(role=membership.role)


def test_flash_messages_are_shown_and_not_served_from_memory(ws):
    client = client_of(ws, ws.owner)
    keyword = keyword_add(ws, "old seeds")
    client.get(KEYWORDS)
    assert cached(client.get(KEYWORDS)) == "hit"
    # Trashing without HTMX redirects to the list, which then says what happened.
    done = client.post(
        "/planner/keywords/bulk/",
        {"site": ws.site.pk, "action": "delete", "ids": keyword.pk, "confirm": "1"},
    )
    assert done.status_code in (302, 303)
    told = client.get(KEYWORDS)
    assert cached(told) == "bypass"
    assert "Moved 1 keyword to the trash." in told.content.decode()
    # Said once: the next answer is a plain one again, kept for later.
    again = client.get(KEYWORDS)
    assert cached(again) == "miss"
    assert "Moved 1 keyword" not in again.content.decode()
    assert "old seeds" not in again.content.decode()


def test_an_expired_answer_is_made_again(ws, settings, monkeypatch):
    client = client_of(ws, ws.owner)
    client.get(KEYWORDS)
    assert cached(client.get(KEYWORDS)) == "hit"
    now = page_cache.time.monotonic()
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now + 3600)
    assert cached(client.get(KEYWORDS)) == "miss"


def test_a_settings_change_starts_afresh_and_zero_turns_it_off(ws, settings):
    client = client_of(ws, ws.owner)
    client.get(KEYWORDS)
    assert cached(client.get(KEYWORDS)) == "hit"
    settings.IGNY8_PAGE_CACHE_SECONDS = 30
    assert cached(client.get(KEYWORDS)) == "miss"
    settings.IGNY8_PAGE_CACHE_SECONDS = 0
    assert cached(client.get(KEYWORDS)) == "bypass"
    assert cached(client.get(KEYWORDS)) == "bypass"


# --- what differs per browser -----------------------------------------------------------------


def test_each_browser_gets_its_own_csrf_token_and_it_works(ws):
    first, second = client_of(ws, ws.owner), client_of(ws, ws.owner)
    # Both browsers hold a CSRF cookie of their own, as after any page with a form.
    for client in (first, second):
        client.get("/sites/")
    made = first.get(KEYWORDS)
    served = second.get(KEYWORDS)
    assert (cached(made), cached(served)) == ("miss", "hit")
    tokens = set(re.findall(r'"X-CSRFToken": "([A-Za-z0-9]{64})"', served.content.decode()))
    assert len(tokens) == 1
    secret = second.cookies["csrftoken"].value
    assert _unmask_cipher_token(tokens.pop()) == secret
    assert b"\x00" not in served.content
    # The token in the served page is accepted for a change.
    checked = Client(HTTP_HOST=ws.host, enforce_csrf_checks=True)
    checked.cookies = second.cookies
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', served.content.decode())
    response = checked.post(
        "/sites/switch/",
        {
            "site": ws.site.pk,
            "next": "/",
            **({"csrfmiddlewaretoken": token.group(1)} if token else {}),
        },
    )
    assert response.status_code == 303


def test_the_scripts_nonce_is_this_answers_own(ws):
    client = client_of(ws, ws.owner)
    first, second = client.get(KEYWORDS), client.get(KEYWORDS)
    assert cached(second) == "hit"
    nonces = []
    for response in (first, second):
        header = response["Content-Security-Policy"]
        in_page = set(re.findall(r'nonce="([^"]+)"', response.content.decode()))
        assert len(in_page) == 1
        nonce = in_page.pop()
        assert f"'nonce-{nonce}'" in header
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


# --- the version itself -----------------------------------------------------------------------


def version_of(schema: str) -> tuple[int, int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(weight), 0), coalesce(max(id), 0), count(*) "
            "FROM public.igny8_schema_change WHERE schema_name = %s",
            [schema],
        )
        return cursor.fetchone()


def test_the_version_grows_whatever_order_transactions_commit_in(ws):
    """Two writers: the one that began first commits last. Both commits move the version."""
    from django.db import transaction

    started = version_of(ws.schema)
    first_wrote, second_done = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with transaction.atomic():
            keyword_add(ws, "slow writer")
            first_wrote.set()
            second_done.wait(timeout=30)

    thread = threading.Thread(target=lambda: on_another_connection(slow_writer))
    thread.start()
    assert first_wrote.wait(timeout=30)
    on_another_connection(lambda: keyword_add(ws, "quick writer"))
    middle = version_of(ws.schema)
    second_done.set()
    thread.join(timeout=60)
    ended = version_of(ws.schema)
    assert started[0] < middle[0] < ended[0]
    # Folding the rows keeps the order: the total stays, the newest id moves on.
    compact(ws.schema)
    folded = version_of(ws.schema)
    assert folded[0] == ended[0] and folded[1] > ended[1] and folded[2] == 1


def test_one_row_per_transaction_however_many_statements(ws):
    from django.db import transaction

    before = version_of(ws.schema)
    with transaction.atomic():
        for i in range(5):
            keyword_add(ws, f"bulk {i}")
    assert version_of(ws.schema)[0] == before[0] + 1


def test_every_table_of_every_workspace_schema_is_watched(ws):
    schemas = list(
        Account.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    )
    assert ws.schema in schemas
    for schema in schemas:
        assert unwatched_tables(schema) == [], schema


def test_a_new_workspace_is_watched_from_its_first_moment(ws, caplog):
    from apps.accounts import provisioning

    slug = f"watch-{uuid.uuid4().hex[:8]}"
    account = provisioning.workspace_create(name="Watched", slug=slug, owner=None)
    try:
        # The template's triggers do not push the clone onto the slow path (which renames
        # constraints that migrations later drop by name).
        assert "fast copy skips" not in caplog.text
        assert unwatched_tables(account.schema_name) == []
        assert version_of(account.schema_name)[2] >= 1  # born with a version of its own
    finally:
        account.delete(force_drop=True)


def test_the_scheduled_fold_keeps_every_version_and_leaves_one_row_each(ws):
    beta = Account.objects.get(slug="beta")
    for i in range(3):
        keyword_add(ws, f"fold {i}")
    with schema_context(beta.schema_name):
        for _ in range(2):
            # A statement that matched no row still counts: the trigger is per statement.
            Site.objects.filter(pk=-1).update(name="nothing")
    before = {s: version_of(s) for s in (ws.schema, beta.schema_name)}
    assert before[ws.schema][2] >= 3 and before[beta.schema_name][2] >= 2
    assert compact_all() >= 2
    for schema, (total, last, _) in before.items():
        folded = version_of(schema)
        assert folded[0] == total and folded[1] > last and folded[2] == 1


def test_every_template_writes_the_csrf_token_in_double_quotes():
    """The page cache finds the token to put each browser's own in by its quotes."""
    from pathlib import Path

    from django.conf import settings

    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += list(Path(settings.BASE_DIR, "apps").glob("*/templates"))
    unquoted = []
    for root in roots:
        for path in root.rglob("*.html"):
            text = path.read_text()
            for match in re.finditer(r"\{\{\s*csrf_token\s*\}\}", text):
                if text[match.start() - 1 : match.start()] != '"' or text[match.end()] != '"':
                    unquoted.append(f"{path}:{text.count(chr(10), 0, match.start()) + 1}")
    assert unquoted == [], 'write the token as "{{ csrf_token }}": ' + ", ".join(unquoted)
