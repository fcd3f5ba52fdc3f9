"""The keywords page: search, every filter, every sort, pages and page sizes, counts, the
HTMX table with the address bar kept in step, bad filter values, the CSV export of what is
shown, who sees what, and a query count that does not grow with the keywords."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.planner.models import Keyword, KeywordStatus
from apps.planner.tests.helpers_keywords import (
    EXPORT,
    HX,
    LIST,
    add_cluster,
    add_keywords,
    add_many,
    body,
    client_on,
    count_line,
    ignored_notice,
    sectors_of,
    shown_ids,
    shown_texts,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from apps.workspace.models import Site
from tests.factories import make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(alpha, site):
    """Six keywords in two sectors ("Apparel", "Boots"), two of them in clusters."""
    apparel, boots = sectors_of(alpha, site)
    with schema_context(alpha.schema):
        apparel.name, boots.name = "Apparel", "Boots"
        apparel.save(update_fields=["name"])
        boots.save(update_fields=["name"])
    footwear = add_cluster(alpha, site, "footwear", apparel)
    boot_care = add_cluster(alpha, site, "boot care", boots)
    mapped = KeywordStatus.MAPPED
    rows = [
        {"text": "running shoes", "volume": 900, "difficulty": 40, "intent": "commercial",
         "cpc": Decimal("1.50"), "status": mapped, "cluster": footwear},
        {"text": "trail running shoes", "volume": 300, "difficulty": 55,
         "intent": "transactional"},
        {"text": "how to lace shoes", "volume": 1200, "difficulty": 10,
         "intent": "informational", "cpc": Decimal("0.20")},
        {"text": "shoe store near me", "volume": 50, "difficulty": 70, "intent": "navigational",
         "cpc": Decimal("3.10"), "disabled": True},
        {"text": "best hiking boots", "volume": 700, "difficulty": 65, "cpc": Decimal("2.00"),
         "sector": boots},
        {"text": "boot waterproofing", "volume": 0, "difficulty": 100,
         "intent": "informational", "status": mapped, "cluster": boot_care, "sector": boots},
    ]  # fmt: skip
    made = add_keywords(alpha, site, rows)
    return {
        "keywords": {k.text: k for k in made},
        "apparel": apparel,
        "boots": boots,
        "footwear": footwear,
        "boot_care": boot_care,
    }


def owner_client(alpha, site, client_for):
    return client_on(client_for, alpha.owner, alpha, site)


# The list, its count and its pages ----------------------------------------------------------


def test_owner_sees_the_sites_keywords_by_volume_with_a_count(alpha, site, shop, client_for):
    response = owner_client(alpha, site, client_for).get(LIST)
    assert response.status_code == 200
    assert shown_texts(response) == [
        "how to lace shoes",
        "running shoes",
        "best hiking boots",
        "trail running shoes",
        "shoe store near me",
        "boot waterproofing",
    ]
    assert count_line(response) == "1–6 of 6 keywords"
    html = body(response)
    assert "Keyword Site" in html
    for link in ("/planner/keywords/add/", "/planner/import/", "/planner/library/"):
        assert f'href="{link}"' in html


def test_keywords_of_another_site_are_not_listed(alpha, site, shop, client_for):
    other = make_site(alpha.account, "Other Site", sectors=1)
    add_keywords(alpha, other, [{"text": "other site keyword", "volume": 99999}])
    response = owner_client(alpha, site, client_for).get(LIST)
    assert "other site keyword" not in shown_texts(response)
    other_view = client_on(client_for, alpha.owner, alpha, other).get(LIST)
    assert shown_texts(other_view) == ["other site keyword"]


def test_trashed_keywords_are_not_listed(alpha, site, shop, client_for):
    from django.utils import timezone

    with schema_context(alpha.schema):
        Keyword.objects.filter(text="running shoes").update(deleted_at=timezone.now())
    response = owner_client(alpha, site, client_for).get(LIST)
    assert "running shoes" not in shown_texts(response)
    assert count_line(response) == "1–5 of 5 keywords"


def test_pages_of_fifty_with_counts_and_links(alpha, site, client_for):
    add_many(alpha, site, 120)
    client = owner_client(alpha, site, client_for)
    first = client.get(LIST)
    assert count_line(first) == "1–50 of 120 keywords"
    assert len(shown_ids(first)) == 50
    assert "Page 1 of 3" in body(first)
    assert 'href="/planner/keywords/?page=2"' in body(first)
    second = client.get(LIST + "?page=2")
    assert count_line(second) == "51–100 of 120 keywords"
    last = client.get(LIST + "?page=3")
    assert count_line(last) == "101–120 of 120 keywords"
    seen = shown_ids(first) + shown_ids(second) + shown_ids(last)
    assert len(set(seen)) == 120  # every keyword exactly once across the pages


@pytest.mark.parametrize("size, shown", [("25", 25), ("50", 50), ("100", 100)])
def test_page_size_choices(size, shown, alpha, site, client_for):
    add_many(alpha, site, 120)
    response = owner_client(alpha, site, client_for).get(LIST + f"?per_page={size}")
    assert len(shown_ids(response)) == shown
    assert count_line(response) == f"1–{shown} of 120 keywords"
    if size != "50":  # the default stays out of links
        assert f"per_page={size}&amp;page=2" in body(response)


def test_a_page_past_the_end_shows_the_last_page(alpha, site, client_for):
    add_many(alpha, site, 60)
    response = owner_client(alpha, site, client_for).get(LIST + "?page=99")
    assert count_line(response) == "51–60 of 60 keywords"


# Search and filters --------------------------------------------------------------------------

FILTERS = [
    ("q=RUNNING-shoes!", {"running shoes", "trail running shoes"}),
    ("q=shoe", {"running shoes", "trail running shoes", "how to lace shoes", "shoe store near me"}),
    ("status=mapped", {"running shoes", "boot waterproofing"}),
    ("status=new", {"trail running shoes", "how to lace shoes", "shoe store near me",
                    "best hiking boots"}),
    ("intent=informational", {"how to lace shoes", "boot waterproofing"}),
    ("intent=none", {"best hiking boots"}),
    ("sector={boots}", {"best hiking boots", "boot waterproofing"}),
    ("cluster={footwear}", {"running shoes"}),
    ("cluster=none", {"trail running shoes", "how to lace shoes", "shoe store near me",
                      "best hiking boots"}),
    ("volume_min=300&volume_max=900", {"running shoes", "trail running shoes",
                                       "best hiking boots"}),
    ("volume_min=1000", {"how to lace shoes"}),
    ("difficulty_min=60", {"shoe store near me", "best hiking boots", "boot waterproofing"}),
    ("difficulty_max=10", {"how to lace shoes"}),
    ("difficulty_min=40&difficulty_max=55", {"running shoes", "trail running shoes"}),
    ("disabled=yes", {"shoe store near me"}),
    ("disabled=no", {"running shoes", "trail running shoes", "how to lace shoes",
                     "best hiking boots", "boot waterproofing"}),
    ("q=shoes&intent=commercial", {"running shoes"}),
]  # fmt: skip


@pytest.mark.parametrize("query, expected", FILTERS, ids=[q for q, _ in FILTERS])
def test_each_filter_narrows_the_list(query, expected, alpha, site, shop, client_for):
    query = query.format(boots=shop["boots"].pk, footwear=shop["footwear"].pk)
    response = owner_client(alpha, site, client_for).get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert set(shown_texts(response)) == expected
    count = len(expected)
    assert count_line(response) == (
        f"1–{count} of {count} keyword{'s' if count > 1 else ''} matching the filters"
    )
    assert ignored_notice(response) == ""


def test_filters_show_in_the_form_after_a_reload(alpha, site, shop, client_for):
    query = f"q=shoes&status=new&sector={shop['apparel'].pk}&volume_min=10&difficulty_max=90"
    html = body(owner_client(alpha, site, client_for).get(f"{LIST}?{query}"))
    assert 'name="q" value="shoes"' in html
    assert '<option value="new" selected>' in html
    assert f'<option value="{shop["apparel"].pk}" selected>' in html
    assert (
        'name="volume_min" min="0" step="1" inputmode="numeric" placeholder="min" value="10"'
        in html
    )
    assert 'placeholder="100" value="90"' in html


def test_nothing_matches_shows_a_way_back(alpha, site, shop, client_for):
    response = owner_client(alpha, site, client_for).get(LIST + "?q=zebra")
    assert shown_ids(response) == []
    assert "No keywords match these filters" in body(response)


BAD = [
    ("status=archived", "status “archived”"),
    ("intent=curious", "intent “curious”"),
    ("sector=abc", "sector “abc”"),
    ("cluster=12x", "cluster “12x”"),
    ("volume_min=-5", "minimum volume “-5”"),
    ("volume_max=lots", "maximum volume “lots”"),
    ("difficulty_max=300", "maximum difficulty “300”"),
    ("difficulty_min=5.5", "minimum difficulty “5.5”"),
    ("disabled=maybe", "disabled “maybe”"),
    ("sort=price", "sort “price”"),
    ("per_page=1000", "page size “1000”"),
    ("q=%21%21%21", "search “!!!”"),
    ("volume_min=900&volume_max=100", "the volume range"),
]


@pytest.mark.parametrize("query, named", BAD, ids=[q for q, _ in BAD])
def test_a_bad_filter_value_is_ignored_with_a_note(query, named, alpha, site, shop, client_for):
    response = owner_client(alpha, site, client_for).get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert named in ignored_notice(response)
    assert len(shown_ids(response)) == 6  # the bad value narrowed nothing


def test_a_bad_value_leaves_the_good_filters_applied(alpha, site, shop, client_for):
    response = owner_client(alpha, site, client_for).get(LIST + "?status=zzz&intent=informational")
    assert set(shown_texts(response)) == {"how to lace shoes", "boot waterproofing"}
    assert "The other filters apply" in ignored_notice(response)


def test_sector_and_cluster_of_another_site_are_ignored(alpha, site, shop, client_for):
    other = make_site(alpha.account, "Other Site", sectors=1)
    other_sector = sectors_of(alpha, other)[0]
    other_cluster = add_cluster(alpha, other, "elsewhere", other_sector)
    for query in (f"sector={other_sector.pk}", f"cluster={other_cluster.pk}"):
        for headers in ({}, HX):  # the page checks against its lists, the table with a query
            response = owner_client(alpha, site, client_for).get(f"{LIST}?{query}", **headers)
            assert "not a " in ignored_notice(response)
            assert len(shown_ids(response)) == 6


def test_a_huge_number_is_ignored_not_an_error(alpha, site, shop, client_for):
    huge = "9" * 30
    client = owner_client(alpha, site, client_for)
    response = client.get(f"{LIST}?sector={huge}&cluster={huge}&page={huge}", **HX)
    assert response.status_code == 200
    assert len(shown_ids(response)) == 6
    assert "sector" in ignored_notice(response) and "cluster" in ignored_notice(response)
    # A volume above any keyword's is a filter that matches nothing, not a failure.
    response = client.get(f"{LIST}?volume_min={huge}", **HX)
    assert response.status_code == 200
    assert shown_ids(response) == []


# Sorting -------------------------------------------------------------------------------------

SORTABLE = ["text", "volume", "difficulty", "intent", "cpc", "status", "cluster", "sector",
            "created"]  # fmt: skip


def sort_value(keyword: Keyword, column: str):
    if column == "cluster":
        return keyword.cluster.name if keyword.cluster else None
    if column == "sector":
        return keyword.sector.name
    return getattr(keyword, column)


def expected_order(alpha, column: str, descending: bool) -> list[str]:
    """Empty values (no CPC, no cluster) last either way; the id breaks ties."""
    with schema_context(alpha.schema):
        keywords = list(Keyword.objects.select_related("cluster", "sector"))
    present = [k for k in keywords if sort_value(k, column) is not None]
    empty = [k for k in keywords if sort_value(k, column) is None]
    present.sort(key=lambda k: (sort_value(k, column), k.pk), reverse=descending)
    empty.sort(key=lambda k: k.pk, reverse=descending)
    return [k.text for k in present + empty]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("column", SORTABLE)
def test_every_column_sorts_both_ways(column, descending, alpha, site, shop, client_for):
    sort = f"-{column}" if descending else column
    response = owner_client(alpha, site, client_for).get(f"{LIST}?sort={sort}", **HX)
    assert shown_texts(response) == expected_order(alpha, column, descending)
    direction = "descending" if descending else "ascending"
    assert re.search(
        rf'aria-sort="{direction}"><a href="[^"]*" hx-get="[^"]*" data-sort="{column}"',
        body(response),
    )
    assert body(response).count("aria-sort=") == 1


def header_link(response, column: str) -> str:
    match = re.search(rf'<a href="([^"]+)" hx-get="[^"]+" data-sort="{column}"', body(response))
    return match.group(1).replace("&amp;", "&")


def test_a_header_toggles_its_direction_and_keeps_the_filters(alpha, site, shop, client_for):
    client = owner_client(alpha, site, client_for)
    response = client.get(LIST + "?status=new")
    # Numbers start largest first, words from A; a second click turns the order round.
    assert header_link(response, "difficulty") == "/planner/keywords/?status=new&sort=-difficulty"
    assert header_link(response, "text") == "/planner/keywords/?status=new&sort=text"
    sorted_by_text = client.get(header_link(response, "text"))
    assert header_link(sorted_by_text, "text") == "/planner/keywords/?status=new&sort=-text"
    # The default sort (volume, largest first) keeps the address short.
    assert header_link(response, "volume") == "/planner/keywords/?status=new&sort=volume"
    ascending = client.get(header_link(response, "volume"))
    assert header_link(ascending, "volume") == "/planner/keywords/?status=new"


# HTMX: the table alone, the address bar in step -----------------------------------------------


def test_htmx_gets_the_table_and_the_address_of_what_is_shown(alpha, site, shop, client_for):
    response = owner_client(alpha, site, client_for).get(
        LIST + "?q=shoes&status=&intent=&sector=&cluster=&volume_min=&sort=-volume&per_page=50",
        **HX,
    )
    html = body(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="keywords"')
    assert "<html" not in html and 'id="kw-filters"' not in html
    assert response["HX-Push-Url"] == "/planner/keywords/?q=shoes"
    assert "HX-Request" in response["Vary"]
    assert len(shown_ids(response)) == 3


def test_the_address_keeps_sort_page_size_and_page(alpha, site, client_for):
    add_many(alpha, site, 60)
    response = owner_client(alpha, site, client_for).get(
        LIST + "?sort=text&per_page=25&page=2", **HX
    )
    assert response["HX-Push-Url"] == "/planner/keywords/?sort=text&per_page=25&page=2"


def test_a_history_restore_gets_the_whole_page(alpha, site, shop, client_for):
    response = owner_client(alpha, site, client_for).get(
        LIST + "?q=shoes", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX
    )
    assert "<html" in body(response)
    assert 'id="kw-filters"' in body(response)


# Who sees what -------------------------------------------------------------------------------


def test_viewer_reads_but_sees_no_action_controls(alpha, site, shop, viewer, client_for):
    response = client_on(client_for, viewer, alpha, site).get(LIST)
    assert response.status_code == 200
    assert len(shown_ids(response)) == 6
    html = body(response)
    assert 'name="ids"' not in html
    assert 'id="bulk-action"' not in html and "Select all" not in html
    assert "/planner/keywords/add/" not in html and "/planner/import/" not in html
    assert "Export CSV" in html  # reading what is shown is not a change


def test_editor_with_a_grant_sees_the_controls(alpha, site, shop, client_for):
    html = body(client_on(client_for, alpha.editor, alpha, site).get(LIST))
    assert 'name="ids"' in html and 'id="bulk-action"' in html
    assert "Select all 6 matching" in html


def test_editor_without_a_grant_sees_no_keywords(alpha, shop, client_for):
    ungranted = make_site(alpha.account, "Ungranted Site", sectors=1)
    add_keywords(alpha, ungranted, [{"text": "secret keyword"}])
    # Only sites granted to the editor are theirs to see: "Keyword Site" (granted) is current.
    response = client_on(client_for, alpha.editor, alpha, ungranted).get(LIST)
    assert "secret keyword" not in body(response)
    with schema_context(alpha.schema):
        Site.objects.filter(name="Keyword Site").delete()
    nothing = client_on(client_for, alpha.editor, alpha).get(LIST)
    assert "No site has been shared with you yet" in body(nothing)
    assert shown_ids(nothing) == []


def test_outsider_gets_403(alpha, site, shop, outsider, client_for):
    for path in (LIST, EXPORT):
        response = client_for(outsider, alpha.host).get(path)
        assert response.status_code == 403
        assert "running shoes" not in body(response)


def test_no_site_yet_says_how_to_add_one(alpha, client_for):
    with schema_context(alpha.schema):
        Site.objects.all().delete()
    response = client_for(alpha.owner, alpha.host).get(LIST)
    assert response.status_code == 200
    assert "No site yet" in body(response)
    assert 'href="/sites/new/"' in body(response)


def test_empty_site_says_how_to_fill_it(alpha, site, client_for):
    response = owner_client(alpha, site, client_for).get(LIST)
    assert "No keywords in Keyword Site yet" in body(response)
    assert 'href="/planner/import/"' in body(response)


# CSV export of what is shown ----------------------------------------------------------------


def exported(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_export_gets_every_matching_keyword_in_the_shown_order(alpha, site, shop, client_for):
    response = owner_client(alpha, site, client_for).get(EXPORT + "?q=shoes&sort=difficulty")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = exported(response)
    assert [r["keyword"] for r in rows] == [
        "how to lace shoes",
        "running shoes",
        "trail running shoes",
    ]
    assert list(rows[0]) == [
        "keyword", "volume", "difficulty", "intent", "cpc", "status", "cluster", "sector"
    ]  # fmt: skip
    assert rows[1] == {
        "keyword": "running shoes",
        "volume": "900",
        "difficulty": "40",
        "intent": "commercial",
        "cpc": "1.50",
        "status": "mapped",
        "cluster": "footwear",
        "sector": "Apparel",
    }


def test_export_spans_every_page(alpha, site, client_for):
    add_many(alpha, site, 130)
    rows = exported(owner_client(alpha, site, client_for).get(EXPORT))
    assert len(rows) == 130


def test_export_keeps_spreadsheets_from_running_formulas(alpha, site, client_for):
    add_keywords(alpha, site, [{"text": "=HYPERLINK(1)"}])
    rows = exported(owner_client(alpha, site, client_for).get(EXPORT))
    assert rows[0]["keyword"] == "'=HYPERLINK(1)"


def test_viewer_may_export_what_they_see(alpha, site, shop, viewer, client_for):
    rows = exported(client_on(client_for, viewer, alpha, site).get(EXPORT + "?status=mapped"))
    assert {r["keyword"] for r in rows} == {"running shoes", "boot waterproofing"}


# Cost ----------------------------------------------------------------------------------------


def statements(client, path: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    assert response.status_code == 200
    return sum(
        not q["sql"].lstrip().upper().startswith("SET SEARCH_PATH")
        for q in captured.captured_queries
    )


def test_queries_do_not_grow_with_the_keywords(alpha, site, client_for):
    client = owner_client(alpha, site, client_for)
    add_many(alpha, site, 5, prefix="few")
    few = statements(client, LIST), statements(client, LIST + "?sort=cluster", **HX)
    add_many(alpha, site, 95, prefix="many")
    add_cluster(alpha, site, "a cluster")
    many = statements(client, LIST), statements(client, LIST + "?sort=cluster", **HX)
    assert few == many
    # The middleware's own (workspace, session, user, membership, plan, the bell's unread
    # count) included.
    assert many[0] <= 11 and many[1] <= 11
