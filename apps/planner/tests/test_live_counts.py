"""Counts stay true after a partial update: the plan's keyword meter in the page head follows
every way of adding keywords, and the import report wraps long values instead of pushing its
reason column out of view."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.billing.plans import subscription_for
from apps.planner.models import Keyword
from apps.planner.tests.helpers_import import (
    ADD,
    HX,
    IMPORT,
    LIBRARY,
    csv_file,
    page_text,
    sectors_of,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)

pytestmark = pytest.mark.django_db

METER = re.compile(
    r'<span class="meter-line small" id="keyword-meter" data-meter hx-swap-oob="true">(.*?)</span>',
    re.S,
)


def live_keywords(alpha) -> int:
    with schema_context(alpha.schema):
        return Keyword.objects.alive().count()


def oob_meter(response) -> str:
    """The keyword meter the answer swaps into the page head, as a person reads it."""
    found = METER.search(response.content.decode())
    assert found, "the answer does not update the keyword meter"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def meter_text(alpha, used: int) -> str:
    limit = subscription_for(alpha.account).plan.limit_for("keywords")
    return (
        f"This workspace has {used:,} of the {limit:,} keywords its plan allows; "
        f"room for {limit - used:,} more."
    )


def test_pasting_keywords_updates_the_meter_in_the_head(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    before = live_keywords(alpha)
    lines = "\n".join(f"gutter guard {n}" for n in range(200))

    response = client_for(alpha.editor, alpha.host).post(
        ADD, {"mode": "paste", "paste-sector": sector.pk, "paste-lines": lines}, **HX
    )

    assert response.status_code == 200
    assert live_keywords(alpha) == before + 200
    assert oob_meter(response) == meter_text(alpha, before + 200)


def test_one_keyword_added_by_hand_updates_the_meter(alpha, site, client_for):
    sector = sectors_of(alpha, site)[1]
    before = live_keywords(alpha)

    response = client_for(alpha.editor, alpha.host).post(
        ADD, {"mode": "one", "one-sector": sector.pk, "one-keyword": "slate roof repair"}, **HX
    )

    assert oob_meter(response) == meter_text(alpha, before + 1)


def test_a_csv_import_updates_the_meter(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    before = live_keywords(alpha)
    upload = csv_file("keyword,volume\n" + "\n".join(f"deck stain {n},10" for n in range(7)))

    response = client_for(alpha.editor, alpha.host).post(
        IMPORT, {"file": upload, "sector": sector.pk}, **HX
    )

    assert response.status_code == 200
    assert oob_meter(response) == meter_text(alpha, before + 7)


def test_a_full_page_answer_needs_no_out_of_band_meter(alpha, site, client_for):
    """Without HTMX the whole page comes back, its head already counted afresh."""
    sector = sectors_of(alpha, site)[0]
    before = live_keywords(alpha)

    response = client_for(alpha.editor, alpha.host).post(
        ADD, {"mode": "paste", "paste-sector": sector.pk, "paste-lines": "moss removal"}
    )

    assert 'hx-swap-oob="true"' not in response.content.decode().split('id="messages"')[0]
    assert meter_text(alpha, before + 1) in page_text(response)


def test_the_library_page_meter_follows_what_was_picked(alpha, site, client_for):
    client = client_for(alpha.editor, alpha.host)
    seeds = re.findall(r'name="seed" value="(\d+)"', client.get(LIBRARY).content.decode())[:3]
    assert len(seeds) == 3, "the library has keywords for these sectors"
    before = live_keywords(alpha)

    response = client.post(LIBRARY, {"seed": seeds}, **HX)

    assert oob_meter(response) == meter_text(alpha, before + 3)


def test_import_report_cells_wrap_long_values(alpha, site, client_for):
    """A 300-character keyword is too long to add; the report shows it, and its cells wrap so
    the reason column stays on screen."""
    sector = sectors_of(alpha, site)[0]
    long_keyword = "x" * 300
    upload = csv_file(f"keyword\n{long_keyword}\nfine keyword\n")

    response = client_for(alpha.editor, alpha.host).post(
        IMPORT, {"file": upload, "sector": sector.pk}
    )

    body = response.content.decode()
    assert '<tr data-line="2">' in body
    assert "too long" in page_text(response)
    rule = re.search(r"\.import-summary table\.data td, [^{]*\{([^}]*)\}", body)
    assert rule and "overflow-wrap: anywhere" in rule.group(1)
    assert re.search(r"\.import-summary table\.data \{[^}]*table-layout: fixed", body)
