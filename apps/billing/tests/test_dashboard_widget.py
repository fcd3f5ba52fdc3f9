"""The dashboard's credit widget and the low-credit notice (below 10% of the plan's grant)."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Role
from apps.billing import credits
from apps.billing.models import Plan, Pool
from tests.factories import make_member

pytestmark = pytest.mark.django_db

SCALE_CREDITS = 25_000  # alpha is on Scale; 10% of its grant is 2,500


def text_of(response) -> str:
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    return re.sub(r" ([;,.:])", r"\1", words)


def set_balance(account, *, plan: int, bonus: int = 0) -> None:
    """Bring both pools to the given figures with staff adjustments (ledger rows)."""
    balance = credits.balance_for(account)
    for pool, have, want in (
        (Pool.PLAN, balance.plan_credits, plan),
        (Pool.BONUS, balance.bonus_credits, bonus),
    ):
        if want != have:
            credits.adjust(account=account, pool=pool, delta=want - have, actor=None, note="test")


def widget(response) -> str:
    match = re.search(r'data-widget="credits"[^>]*>(.*?</a>)', response.content.decode(), re.S)
    assert match, "no credit widget on the dashboard"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def test_widget_shows_the_balance_and_its_split(alpha, client_for):
    set_balance(alpha.account, plan=12_345, bonus=678)

    page = client_for(alpha.owner, alpha.host).get("/")

    assert page.status_code == 200
    shown = widget(page)
    assert "Credits 13,023" in shown
    assert "12,345 plan · 678 bonus credits left on the Scale plan (25,000 a month)" in shown
    assert "Plans & billing →" in shown
    assert re.search(r'data-widget="credits".*?href="/billing/"', page.content.decode(), re.S)


def test_editor_sees_the_balance_with_a_link_to_credits(alpha, client_for):
    set_balance(alpha.account, plan=500)

    shown = widget(client_for(alpha.editor, alpha.host).get("/"))

    assert "Credits 500" in shown
    assert "See credits →" in shown


@pytest.mark.parametrize(
    ("plan", "bonus", "low"),
    [
        (2_500, 0, False),  # exactly 10%: not yet
        (2_499, 0, True),  # just below
        (0, 0, True),
        (2_000, 500, False),  # bonus credits count
        (25_000, 0, False),
    ],
)
def test_low_credit_notice_at_the_ten_percent_line(alpha, client_for, plan, bonus, low):
    set_balance(alpha.account, plan=plan, bonus=bonus)

    text = text_of(client_for(alpha.owner, alpha.host).get("/"))

    notice = (
        f"Low on credits: {plan + bonus:,} left of {SCALE_CREDITS:,} this month "
        "— buy a pack or upgrade."
    )
    assert (notice in text) is low
    assert ("Low on credits" in text) is low


def test_notice_comes_and_goes_as_credits_are_spent_and_bought(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    set_balance(alpha.account, plan=2_501)
    assert "Low on credits" not in text_of(client.get("/"))

    credits.adjust(account=alpha.account, pool=Pool.PLAN, delta=-2, actor=None, note="spent")
    page = client.get("/")
    assert "Low on credits: 2,499 left of 25,000 this month" in text_of(page)
    assert re.search(
        r'data-notice="low-credits".*?href="/billing/#packs-title"', page.content.decode(), re.S
    )

    credits.purchase(account=alpha.account, credits=500, key="test:widget:pack")
    assert "Low on credits" not in text_of(client.get("/"))


def test_editor_is_told_to_ask_for_credits(alpha, client_for):
    set_balance(alpha.account, plan=10)

    page = client_for(alpha.editor, alpha.host).get("/")

    text = text_of(page)
    assert "Low on credits: 10 left of 25,000 this month — ask an owner or admin" in text
    notice = re.search(r'data-notice="low-credits".*?</div>', page.content.decode(), re.S)
    assert "href=" not in notice.group(0)


def test_a_plan_without_monthly_credits_never_warns(alpha, client_for):
    Plan.objects.filter(slug="scale").update(monthly_credits=0)
    set_balance(alpha.account, plan=0)

    assert "Low on credits" not in text_of(client_for(alpha.owner, alpha.host).get("/"))


def test_the_widget_reads_the_balance_once(alpha, client_for):
    make_member(alpha.account, Role.VIEWER)  # a busier workspace changes nothing
    client = client_for(alpha.owner, alpha.host)
    client.get("/")  # warm the session

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/")

    assert page.status_code == 200
    balance_reads = [q for q in queries if "billing_creditbalance" in q["sql"]]
    assert len(balance_reads) == 1
    ledger_reads = [q for q in queries if "billing_creditledger" in q["sql"]]
    assert ledger_reads == []


def test_outsider_and_anonymous_never_see_the_widget(alpha, outsider, client_for):
    refused = client_for(outsider, alpha.host).get("/")
    anonymous = client_for(None, alpha.host).get("/")

    assert refused.status_code == 403 and 'data-widget="credits"' not in refused.content.decode()
    assert anonymous.status_code == 302
