"""The usage page: spending by day (an SVG chart) and by operation, the ledger with filters,
pages, the HTMX table and the CSV export, and what each operation costs."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.billing import credits
from apps.billing.charts import Bar, column_chart, nice_ceiling
from apps.billing.models import CreditCost, CreditLedger, LedgerKind, Pool, Reservation
from apps.billing.selectors import spending
from tests.factories import make_member

pytestmark = pytest.mark.django_db

# Costs of our own, so the figures do not move when staff edit the seeded ones.
ITEM_OP = "test_usage_item"  # 2 credits per item, minimum 2
WORDS_OP = "test_usage_words"  # 1 credit per 100 words, minimum 5


@pytest.fixture
def costs(db) -> None:
    CreditCost.objects.create(
        operation=ITEM_OP, label="Test idea", unit="per_item", credits_per_unit=2, minimum=2
    )
    CreditCost.objects.create(
        operation=WORDS_OP,
        label="Test writing",
        unit="per_100_words",
        credits_per_unit=1,
        minimum=5,
        description="Every 100 words written",
    )


@pytest.fixture
def admin(alpha) -> User:
    return make_member(alpha.account, Role.ADMIN)


@pytest.fixture
def viewer(alpha) -> User:
    return make_member(alpha.account, Role.VIEWER)


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def body(response) -> str:
    return response.content.decode()


def ledger_rows(response) -> list[str]:
    """Ids of the ledger rows on the page, in order."""
    return re.findall(r'<tr data-entry="(\d+)">', body(response))


def bars(response) -> dict[str, int]:
    """The per-day chart's bars: label → value."""
    svg = re.search(r'<svg class="chart" id="chart-by-day".*?</svg>', body(response), re.S)
    assert svg, "no chart on the page"
    return {
        html.unescape(label): int(value)
        for label, value in re.findall(r'data-label="([^"]+)" data-value="(\d+)"', svg.group(0))
    }


def run(account, operation: str, units: int, key: str, *, settle_units=None, release=False):
    """One AI operation: hold its credits, then settle (actual units) or release."""
    reservation = credits.reserve(account=account, operation=operation, units=units, key=key)
    if release:
        credits.release(reservation=reservation)
    elif settle_units is not None:
        credits.settle(reservation=reservation, actual_units=settle_units)
    return reservation


def backdate(reservation: Reservation, days: int) -> None:
    """Move an operation (and its ledger rows) `days` into the past."""
    when = timezone.now() - timedelta(days=days)
    Reservation.objects.filter(pk=reservation.pk).update(created=when)
    CreditLedger.objects.filter(reference=reservation.key).update(created=when)


def day_label(days_ago: int) -> str:
    day = timezone.localdate() - timedelta(days=days_ago)
    return f"{day.day} {day:%b}"


# --- the chart itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (40, 50), (51, 100), (999, 1000)]
)
def test_axis_top_is_a_round_number_at_or_above_the_largest_bar(value, top):
    assert nice_ceiling(value) == top


def test_chart_draws_one_bar_per_value_with_proportional_heights():
    svg = column_chart(
        [Bar("1 Mar", 10), Bar("2 Mar", 0), Bar("3 Mar", 40, "Tue 3 March: 40 credits")],
        chart_id="c",
        title="Credits per day",
        description="50 credits in three days.",
    )

    rects = re.findall(r'<rect class="bar"[^>]*height="([\d.]+)" data-label="([^"]+)"', svg)
    heights = {label: float(h) for h, label in rects}
    assert list(heights) == ["1 Mar", "2 Mar", "3 Mar"]
    assert heights["2 Mar"] == 0
    # The axis tops out at 50: 40 is four times as tall as 10.
    assert heights["3 Mar"] == pytest.approx(4 * heights["1 Mar"], rel=0.01)
    assert 'role="img"' in svg and 'aria-label="Credits per day"' in svg
    assert '<title id="c-title">Credits per day</title>' in svg
    assert '<desc id="c-desc">50 credits in three days.</desc>' in svg
    assert "<title>Tue 3 March: 40 credits</title>" in svg
    assert "<title>1 Mar: 10</title>" in svg
    assert ">50</text>" in svg and ">25</text>" in svg


def test_chart_escapes_labels():
    svg = column_chart([Bar("<b>x</b>", 1)], chart_id="c", title="<script>", description="a & b")

    assert "<b>" not in svg and "<script>" not in svg
    assert "&lt;script&gt;" in svg and "a &amp; b" in svg


# --- spending ----------------------------------------------------------------------------------


def test_spending_counts_what_each_operation_cost(alpha, costs):
    run(alpha.account, WORDS_OP, 1000, "t:u:1", settle_units=700)  # held 10, charged 7
    run(alpha.account, WORDS_OP, 300, "t:u:2")  # still running: 5 held
    run(alpha.account, ITEM_OP, 4, "t:u:3", release=True)  # failed: nothing
    run(alpha.account, ITEM_OP, 3, "t:u:4", settle_units=3)  # 6

    spent = spending(account=alpha.account)

    rows = {o.operation: (o.label, o.runs, o.credits) for o in spent.by_operation}
    assert rows == {WORDS_OP: ("Test writing", 2, 12), ITEM_OP: ("Test idea", 1, 6)}
    assert spent.total == 18 and spent.runs == 3
    assert spent.by_day[-1].day == timezone.localdate()
    assert spent.by_day[-1].credits == 18
    assert len(spent.by_day) == 30


def test_spending_by_day_puts_each_run_on_its_day(alpha, costs):
    backdate(run(alpha.account, ITEM_OP, 2, "t:d:1", settle_units=2), days=3)  # 4
    backdate(run(alpha.account, ITEM_OP, 5, "t:d:2", settle_units=5), days=3)  # 10
    backdate(run(alpha.account, ITEM_OP, 1, "t:d:3", settle_units=1), days=29)  # 2
    backdate(run(alpha.account, ITEM_OP, 1, "t:d:4", settle_units=1), days=30)  # too old

    spent = spending(account=alpha.account)

    per_day = {d.day: d.credits for d in spent.by_day}
    today = timezone.localdate()
    assert per_day[today - timedelta(days=3)] == 14
    assert per_day[today - timedelta(days=29)] == 2
    assert sum(per_day.values()) == 16 == spent.total


def test_usage_page_chart_and_totals_show_the_known_data(alpha, costs, client_for):
    backdate(run(alpha.account, ITEM_OP, 2, "t:p:1", settle_units=2), days=1)  # 4
    run(alpha.account, WORDS_OP, 900, "t:p:2", settle_units=900)  # 9

    page = client_for(alpha.owner, alpha.host).get("/billing/usage/")

    assert page.status_code == 200
    chart = bars(page)
    assert len(chart) == 30
    assert chart[day_label(0)] == 9
    assert chart[day_label(1)] == 4
    assert sum(chart.values()) == 13
    assert re.search(r'data-total="spent">13<', body(page))
    assert re.search(r'data-total="runs">2<', body(page))
    by_op = re.search(r'id="table-by-operation".*?</table>', body(page), re.S).group(0)
    assert "Test writing 1 9" in text_of(by_op)
    assert "Test idea 1 4" in text_of(by_op)
    assert "Total 2 13" in text_of(by_op)


def test_usage_page_without_spending_says_how_it_fills(alpha, client_for):
    page = client_for(alpha.owner, alpha.host).get("/billing/usage/")

    assert "No credits spent in the last 30 days." in text_of(body(page))
    assert 'id="chart-by-day"' not in body(page)


def test_other_workspaces_spending_is_not_counted(alpha, beta, costs, client_for):
    run(beta.account, ITEM_OP, 5, "t:b:1", settle_units=5)

    page = client_for(alpha.owner, alpha.host).get("/billing/usage/")

    assert re.search(r'data-total="spent">0<', body(page))


# --- the cost table ----------------------------------------------------------------------------


def test_cost_table_says_what_each_operation_costs(alpha, costs, client_for):
    page = client_for(alpha.editor, alpha.host).get("/billing/usage/")

    row = re.search(rf'<tr data-cost="{WORDS_OP}">.*?</tr>', body(page), re.S).group(0)
    assert text_of(row) == "Test writing Every 100 words written 1 credit per 100 words, minimum 5"
    item = re.search(rf'<tr data-cost="{ITEM_OP}">.*?</tr>', body(page), re.S).group(0)
    assert "2 credits per item" in text_of(item)
    assert "minimum" not in text_of(item)  # the minimum is one item: nothing to add


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owner_and_admin_see_the_ledger(alpha, admin, client_for, who):
    user = alpha.owner if who == "owner" else admin
    credits.grant(account=alpha.account, pool=Pool.BONUS, credits=7, key="t:l:who")

    page = client_for(user, alpha.host).get("/billing/usage/")

    assert page.status_code == 200
    assert "Credit ledger" in text_of(body(page))
    assert ledger_rows(page)
    assert "Export CSV" in body(page)


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editor_and_viewer_see_totals_and_costs_but_not_the_ledger(
    alpha, viewer, costs, client_for, who
):
    user = alpha.editor if who == "editor" else viewer
    run(alpha.account, ITEM_OP, 2, "t:e:1", settle_units=2)
    client = client_for(user, alpha.host)

    page = client.get("/billing/usage/")

    assert page.status_code == 200
    assert re.search(r'data-total="spent">4<', body(page))
    assert bars(page)[day_label(0)] == 4
    assert f'data-cost="{ITEM_OP}"' in body(page)
    assert "Credit ledger" not in text_of(body(page))
    assert not ledger_rows(page)
    assert "format=csv" not in body(page)
    csv_response = client.get("/billing/usage/?format=csv")
    assert csv_response.status_code == 403
    assert "Only an owner or admin can see the credit ledger." in text_of(body(csv_response))
    partial = client.get("/billing/usage/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ledger")
    assert partial.status_code == 403


def test_outsider_is_refused_and_anonymous_sent_to_login(alpha, outsider, client_for):
    assert client_for(outsider, alpha.host).get("/billing/usage/").status_code == 403
    assert client_for(outsider, alpha.host).get("/billing/usage/?format=csv").status_code == 403
    anonymous = client_for(None, alpha.host).get("/billing/usage/?format=csv")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_usage_is_read_only(alpha, client_for):
    assert client_for(alpha.owner, alpha.host).post("/billing/usage/").status_code == 405


# --- the ledger: filters and pages ---------------------------------------------------------


@pytest.fixture
def mixed_ledger(alpha, beta, costs) -> dict[str, list[int]]:
    """A grant, a purchase, an adjustment and two operations in this workspace; one in beta."""
    ids = {
        "grant": [credits.grant(account=alpha.account, pool=Pool.PLAN, credits=3, key="t:m:g").pk],
        "purchase": [],
        "adjustment": [
            credits.adjust(
                account=alpha.account, pool=Pool.PLAN, delta=-1, actor=alpha.owner, note="typo fix"
            ).pk
        ],
    }
    credits.purchase(account=alpha.account, credits=50, key="t:m:p", reference="cs_test_m")
    ids["purchase"] = [CreditLedger.objects.get(idempotency_key="t:m:p").pk]
    run(alpha.account, ITEM_OP, 2, "t:m:r1", settle_units=1)
    run(alpha.account, WORDS_OP, 500, "t:m:r2")
    ids["item_op"] = list(
        CreditLedger.objects.filter(operation=ITEM_OP, account=alpha.account).values_list(
            "pk", flat=True
        )
    )
    ids["beta"] = [credits.grant(account=beta.account, pool=Pool.PLAN, credits=9, key="t:m:b").pk]
    return ids


def test_ledger_lists_this_workspace_newest_first(alpha, mixed_ledger, client_for):
    page = client_for(alpha.owner, alpha.host).get("/billing/usage/")

    shown = [int(pk) for pk in ledger_rows(page)]
    expected = list(
        CreditLedger.objects.filter(account=alpha.account)
        .order_by("-created", "-id")
        .values_list("pk", flat=True)[:50]
    )
    assert shown == expected
    assert mixed_ledger["beta"][0] not in shown
    row = re.search(
        rf'<tr data-entry="{mixed_ledger["adjustment"][0]}">.*?</tr>', body(page), re.S
    ).group(0)
    assert "Adjustment" in text_of(row) and "typo fix" in text_of(row)
    assert f"by {alpha.owner.email}" in text_of(row)
    assert '<td class="num neg">-1</td>' in row


@pytest.mark.parametrize(
    ("query", "key"),
    [("kind=purchase", "purchase"), ("pool=bonus", "purchase"), ("kind=adjustment", "adjustment")],
)
def test_filters_narrow_the_ledger(alpha, mixed_ledger, client_for, query, key):
    page = client_for(alpha.owner, alpha.host).get(f"/billing/usage/?{query}")

    assert [int(pk) for pk in ledger_rows(page)] == mixed_ledger[key]
    assert "match the filters" in text_of(body(page))


def test_filter_by_operation(alpha, mixed_ledger, client_for):
    page = client_for(alpha.owner, alpha.host).get(f"/billing/usage/?operation={ITEM_OP}")

    assert sorted(int(pk) for pk in ledger_rows(page)) == sorted(mixed_ledger["item_op"])
    assert len(mixed_ledger["item_op"]) == 2  # the hold and the settle's refund
    assert f'<option value="{ITEM_OP}" selected>Test idea</option>' in body(page)


def test_filter_by_dates(alpha, costs, client_for):
    old = run(alpha.account, ITEM_OP, 1, "t:dt:old", settle_units=1)
    backdate(old, days=10)
    new = run(alpha.account, ITEM_OP, 1, "t:dt:new", settle_units=1)
    today = timezone.localdate()
    client = client_for(alpha.owner, alpha.host)
    old_ids = set(CreditLedger.objects.filter(reference=old.key).values_list("pk", flat=True))
    new_ids = set(CreditLedger.objects.filter(reference=new.key).values_list("pk", flat=True))

    day = (today - timedelta(days=10)).isoformat()
    only_old = client.get(f"/billing/usage/?operation={ITEM_OP}&from={day}&to={day}")
    since_yesterday = client.get(
        f"/billing/usage/?operation={ITEM_OP}&from={(today - timedelta(days=1)).isoformat()}"
    )

    assert {int(pk) for pk in ledger_rows(only_old)} == old_ids
    assert {int(pk) for pk in ledger_rows(since_yesterday)} == new_ids


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("pool=gold", "pool “gold”"),
        ("operation=nope", "operation “nope”"),
        ("from=2024-13-40", "from date “2024-13-40” (use YYYY-MM-DD)"),
        ("to=yesterday", "to date “yesterday”"),
        ("from=2025-05-02&to=2025-05-01", "the dates (the from date is after the to date)"),
    ],
)
def test_bad_filter_values_are_ignored_with_a_note(alpha, mixed_ledger, client_for, query, note):
    page = client_for(alpha.owner, alpha.host).get(f"/billing/usage/?{query}&kind=purchase")

    assert page.status_code == 200
    notice = re.search(r'data-notice="filters-ignored">(.*?)</div>', body(page), re.S)
    assert notice, "the page does not say which filter it ignored"
    assert note in html.unescape(notice.group(1))
    # The filters that made sense still apply.
    assert [int(pk) for pk in ledger_rows(page)] == mixed_ledger["purchase"]


def test_a_bad_kind_alone_is_ignored_with_a_note(alpha, mixed_ledger, client_for):
    page = client_for(alpha.owner, alpha.host).get("/billing/usage/?kind=refundz")

    assert page.status_code == 200
    assert "Not applied: kind “refundz”" in text_of(body(page))
    assert len(ledger_rows(page)) == min(
        50, CreditLedger.objects.filter(account=alpha.account).count()
    )


def test_ledger_pages_hold_fifty_rows(alpha, client_for):
    for i in range(60):
        credits.grant(
            account=alpha.account, pool=Pool.BONUS, credits=1, key=f"t:pg:{i}", operation="paging"
        )
    client = client_for(alpha.owner, alpha.host)
    newest_first = list(
        CreditLedger.objects.filter(account=alpha.account, operation="paging")
        .order_by("-created", "-id")
        .values_list("pk", flat=True)
    )

    first = client.get("/billing/usage/?operation=paging")
    second = client.get("/billing/usage/?operation=paging&page=2")
    beyond = client.get("/billing/usage/?operation=paging&page=99")
    nonsense = client.get("/billing/usage/?operation=paging&page=abc")

    assert [int(pk) for pk in ledger_rows(first)] == newest_first[:50]
    assert [int(pk) for pk in ledger_rows(second)] == newest_first[50:]
    assert ledger_rows(beyond) == ledger_rows(second)
    assert ledger_rows(nonsense) == ledger_rows(first)
    assert "60 entries match the filters · page 1 of 2" in text_of(body(first))
    # The next-page link keeps the filters.
    assert 'href="?operation=paging&amp;page=2"' in body(first)


def test_htmx_gets_only_the_table_and_the_url_follows(alpha, mixed_ledger, client_for):
    client = client_for(alpha.owner, alpha.host)

    partial = client.get(
        "/billing/usage/?kind=purchase", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ledger"
    )

    assert partial.status_code == 200
    assert body(partial).lstrip().startswith('<div id="ledger"')
    assert "<html" not in body(partial) and "What each operation costs" not in body(partial)
    assert [int(pk) for pk in ledger_rows(partial)] == mixed_ledger["purchase"]
    assert "HX-Request" in partial["Vary"]
    assert partial["HX-Push-Url"] == "/billing/usage/?kind=purchase"
    page = client.get("/billing/usage/")
    assert 'hx-push-url="true"' in body(page) and 'hx-target="#ledger"' in body(page)


def test_history_restore_gets_the_whole_page(alpha, client_for):
    page = client_for(alpha.owner, alpha.host).get(
        "/billing/usage/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="ledger",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )

    assert "<html" in body(page) and "What each operation costs" in body(page)


# --- CSV export ------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(content)))


def test_csv_export_has_a_header_and_the_filtered_rows(alpha, mixed_ledger, client_for):
    response = client_for(alpha.owner, alpha.host).get("/billing/usage/?format=csv&kind=purchase")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="credits-alpha-')
    header, *rows = read_csv(response)
    assert header == [
        "created",
        "pool",
        "kind",
        "operation",
        "delta",
        "balance_after",
        "reference",
        "actor",
        "note",
    ]
    entry = CreditLedger.objects.get(pk=mixed_ledger["purchase"][0])
    assert rows == [
        [
            timezone.localtime(entry.created).isoformat(timespec="seconds"),
            "bonus",
            "purchase",
            "",
            "50",
            str(entry.balance_after),
            "cs_test_m",
            "",
            "",
        ]
    ]


def test_csv_export_covers_every_page_and_only_this_workspace(alpha, mixed_ledger, client_for):
    for i in range(55):
        credits.grant(account=alpha.account, pool=Pool.BONUS, credits=1, key=f"t:csv:{i}")

    rows = read_csv(client_for(alpha.owner, alpha.host).get("/billing/usage/?format=csv"))[1:]

    assert len(rows) == CreditLedger.objects.filter(account=alpha.account).count() > 50
    assert "cs_test_m" in {r[6] for r in rows}
    assert not [r for r in rows if r[2] == "grant" and r[4] == "9"], "beta's grant leaked"


def test_csv_cells_never_run_as_formulas(alpha, client_for):
    credits.adjust(
        account=alpha.account, pool=Pool.BONUS, delta=5, actor=None, note='=HYPERLINK("x")'
    )

    rows = read_csv(
        client_for(alpha.owner, alpha.host).get("/billing/usage/?format=csv&kind=adjustment")
    )

    assert rows[1][8] == '\'=HYPERLINK("x")'
    assert rows[1][4] == "5"


def test_csv_with_bad_filters_ignores_them(alpha, mixed_ledger, client_for):
    rows = read_csv(
        client_for(alpha.owner, alpha.host).get(
            "/billing/usage/?format=csv&kind=purchase&pool=gold"
        )
    )

    assert [r[2] for r in rows[1:]] == [LedgerKind.PURCHASE]


def test_with_the_offline_writer_the_price_list_says_runs_are_free(alpha, client_for):
    page = client_for(alpha.editor, alpha.host).get("/billing/usage/")
    rows = {
        op: text_of(re.search(rf'<tr data-cost="{op}">.*?</tr>', body(page), re.S).group(0))
        for op in ("content_generation", "image_generation", "cluster_naming")
    }
    assert (
        "Free with the offline writer With an AI provider: 1 credit per 100 words"
        in rows["content_generation"]
    )
    assert "Free with the offline writer (offline title cards)" in rows["image_generation"]
    assert "With an AI provider: 1 credit per item" in rows["cluster_naming"]
    assert "Runs the built-in offline writer serves are free" in text_of(body(page))


def test_with_a_provider_the_price_list_is_the_price(alpha, client_for, paid_ai):
    page = client_for(alpha.editor, alpha.host).get("/billing/usage/")
    row = re.search(r'<tr data-cost="content_generation">.*?</tr>', body(page), re.S).group(0)
    assert text_of(row).endswith("1 credit per 100 words, minimum 5")
    assert "Free with the offline writer" not in text_of(body(page))
