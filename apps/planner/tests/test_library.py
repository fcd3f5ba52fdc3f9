"""Picking keywords from the library: only the site's sectors, search, pages, many at once,
each into its own sector, and what is already in the site marked."""

from __future__ import annotations

import re

import pytest

from apps.catalog.models import SeedKeyword
from apps.planner.tests.helpers_import import (
    HX,
    LIBRARY,
    keyword_limit,
    keywords,
    page_text,
    put_keyword,
    reasons,
    sectors_of,
    site_fixture,  # noqa: F401  (fixture "site")
    summary_line,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def seeds_of(sector) -> list[SeedKeyword]:
    return list(SeedKeyword.objects.filter(sector_id=sector.industry_sector_id).order_by("pk"))


def listed(response) -> list[int]:
    """The library keywords shown, as seed ids in page order."""
    return [int(pk) for pk in re.findall(r'<tr data-seed="(\d+)"', response.content.decode())]


def tickable(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'name="seed" value="(\d+)"', response.content.decode())}


def marks(response) -> dict[int, str]:
    found = re.findall(
        r'<tr data-seed="(\d+)".*?(?:data-mark="(\w+)"|</tr>)', response.content.decode(), re.S
    )
    return {int(pk): mark for pk, mark in found if mark}


def test_lists_only_the_sites_sectors(alpha, site, client_for):
    chosen = sectors_of(alpha, site)
    expected = {s.pk for sector in chosen for s in seeds_of(sector)}
    others = set(SeedKeyword.objects.exclude(pk__in=expected).values_list("pk", flat=True))
    response = client_for(alpha.owner, alpha.host).get(LIBRARY)
    assert response.status_code == 200
    assert set(listed(response)) == expected
    assert not set(listed(response)) & others
    assert f"1–{len(expected)} of {len(expected)} library keywords" in page_text(response)


def test_search_and_sector_filter(alpha, site, client_for):
    first, second = sectors_of(alpha, site)
    client = client_for(alpha.owner, alpha.host)
    only_second = client.get(LIBRARY, {"sector": second.pk})
    assert set(listed(only_second)) == {s.pk for s in seeds_of(second)}
    word = seeds_of(first)[0].keyword.split()[-1]
    searched = client.get(LIBRARY, {"q": word}, **HX)
    expected = {
        s.pk for sector in (first, second) for s in seeds_of(sector) if word in s.keyword.lower()
    }
    assert set(listed(searched)) == expected
    assert searched.content.decode().strip().startswith('<div id="library-results">')
    nothing = client.get(LIBRARY, {"q": "zzz-no-such-keyword"})
    assert listed(nothing) == []
    assert "No library keyword of these sectors matches" in page_text(nothing)


def test_a_sector_of_another_site_is_ignored_as_a_filter(alpha, site, client_for):
    other = make_site(alpha.account, "Zed Other", sectors=3)
    foreign = sectors_of(alpha, other)[2]
    response = client_for(alpha.owner, alpha.host).get(LIBRARY, {"sector": foreign.pk})
    assert response.status_code == 200
    assert not set(listed(response)) & {s.pk for s in seeds_of(foreign)}


def test_pages(alpha, site, client_for, monkeypatch):
    from apps.planner.views import imports as views_import

    monkeypatch.setattr(views_import, "LIBRARY_PAGE_SIZE", 15)
    client = client_for(alpha.owner, alpha.host)
    first = client.get(LIBRARY)
    second = client.get(LIBRARY, {"page": 2})
    assert len(listed(first)) == 15 and len(listed(second)) == 15
    assert not set(listed(first)) & set(listed(second))
    assert "Page 2 of 3" in page_text(second)
    assert 'rel="next"' in second.content.decode() and 'rel="prev"' in second.content.decode()


def test_owner_adds_many_each_into_its_own_sector(alpha, site, client_for):
    first, second = sectors_of(alpha, site)
    picked = seeds_of(first)[:3] + seeds_of(second)[:2]
    client = client_for(alpha.owner, alpha.host)
    response = client.post(LIBRARY, {"seed": [s.pk for s in picked]}, **HX)
    assert response.status_code == 200
    assert summary_line(response) == "Added 5 · 0 duplicates · 0 rejected"
    saved = keywords(alpha, site=site, source="library")
    assert {(k.text, k.sector_id) for k in saved} == {
        *((s.keyword, first.pk) for s in picked[:3]),
        *((s.keyword, second.pk) for s in picked[3:]),
    }
    by_text = {k.text: k for k in saved}
    for seed in picked:
        kept = by_text[seed.keyword]
        assert (kept.volume, kept.difficulty, kept.intent) == (
            seed.volume,
            seed.difficulty,
            seed.intent,
        )
    # The list shows them as added, with no box to tick again.
    assert {marks(response)[s.pk] for s in picked} == {"added"}
    assert not tickable(response) & {s.pk for s in picked}


def test_already_added_and_trashed_ones_are_marked(alpha, site, client_for):
    first, _ = sectors_of(alpha, site)
    added, trashed, fresh = seeds_of(first)[:3]
    put_keyword(alpha, first, added.keyword.upper())
    put_keyword(alpha, first, trashed.keyword, trashed=True)
    response = client_for(alpha.owner, alpha.host).get(LIBRARY)
    assert marks(response)[added.pk] == "added"
    assert marks(response)[trashed.pk] == "trashed"
    assert fresh.pk not in marks(response)
    assert fresh.pk in tickable(response)
    assert added.pk not in tickable(response)


def test_posting_an_added_one_again_reports_the_duplicate(alpha, site, client_for):
    first, _ = sectors_of(alpha, site)
    seed = seeds_of(first)[0]
    put_keyword(alpha, first, seed.keyword, trashed=True)
    response = client_for(alpha.owner, alpha.host).post(LIBRARY, {"seed": [seed.pk]})
    assert summary_line(response) == "Added 0 · 1 duplicate · 0 rejected"
    assert list(reasons(response).values()) == ["in the trash — restore it"]
    assert len(keywords(alpha, site=site)) == 1


def test_the_plan_limit_keeps_what_fits(alpha, site, client_for):
    first, _ = sectors_of(alpha, site)
    keyword_limit(alpha, 2)
    picked = seeds_of(first)[:4]
    response = client_for(alpha.owner, alpha.host).post(LIBRARY, {"seed": [s.pk for s in picked]})
    assert summary_line(response) == "Added 2 · 0 duplicates · 2 rejected"
    assert set(reasons(response).values()) == {"over the plan's keyword limit"}
    assert len(keywords(alpha, site=site)) == 2


@pytest.mark.parametrize(
    ("seed", "words"),
    [
        ("foreign", "not in this site's sectors"),
        ("abc", "not in the library"),
        (None, "Tick the keywords to add first."),
    ],
)
def test_bad_picks_are_refused_and_nothing_is_added(seed, words, alpha, site, client_for):
    unchosen = SeedKeyword.objects.exclude(
        sector_id__in=[s.industry_sector_id for s in sectors_of(alpha, site)]
    ).first()
    mine = seeds_of(sectors_of(alpha, site)[0])[0]
    values = {"foreign": [mine.pk, unchosen.pk], "abc": [mine.pk, "abc"], None: []}[seed]
    response = client_for(alpha.owner, alpha.host).post(LIBRARY, {"seed": values})
    assert response.status_code == 400
    assert words in page_text(response)
    assert keywords(alpha, site=site) == []


# --- who may pick ----------------------------------------------------------------------------


def test_editor_with_a_grant_adds(alpha, site, client_for):
    seed = seeds_of(sectors_of(alpha, site)[0])[0]
    client = client_for(alpha.editor, alpha.host)
    assert seed.pk in tickable(client.get(LIBRARY))
    assert client.post(LIBRARY, {"seed": [seed.pk]}).status_code == 200
    assert [k.text for k in keywords(alpha, site=site)] == [seed.keyword]


def test_viewer_browses_without_add_controls_and_cannot_post(alpha, site, viewer, client_for):
    seed = seeds_of(sectors_of(alpha, site)[0])[0]
    client = client_for(viewer, alpha.host)
    page = client.get(LIBRARY)
    assert page.status_code == 200
    assert seed.pk in listed(page)
    assert tickable(page) == set()
    assert "Add selected" not in page_text(page)
    assert client.post(LIBRARY, {"seed": [seed.pk]}).status_code == 403
    assert keywords(alpha, site=site) == []


def test_outsider_is_refused(alpha, site, outsider, client_for):
    seed = seeds_of(sectors_of(alpha, site)[0])[0]
    client = client_for(outsider, alpha.host)
    assert client.get(LIBRARY).status_code == 403
    assert client.post(LIBRARY, {"seed": [seed.pk]}).status_code == 403
    assert keywords(alpha, site=site) == []


def test_editor_without_a_grant_sees_no_site_and_cannot_post(alpha, client_for):
    hidden = make_site(alpha.account, "Not Granted", sectors=1)
    seed = seeds_of(sectors_of(alpha, hidden)[0])[0]
    client = client_for(alpha.editor, alpha.host)
    assert "No site has been shared with you yet" in page_text(client.get(LIBRARY))
    assert client.post(LIBRARY, {"seed": [seed.pk]}).status_code == 404
    assert keywords(alpha, site=hidden) == []


def test_the_demo_site_gets_a_few_hundred_keywords_once(alpha, site):
    from collections import Counter

    from django_tenants.utils import schema_context

    from apps.workspace.management.commands.igny8_setup import LIBRARY_LEFT_TO_PICK, Command

    sectors = sectors_of(alpha, site)
    with schema_context(alpha.schema):
        added = Command()._demo_keywords(alpha.account, site)
        again = Command()._demo_keywords(alpha.account, site)
    saved = keywords(alpha, site=site)
    assert 200 <= added == len(saved) <= 400
    assert again == 0
    assert {k.sector_id for k in saved} == {s.pk for s in sectors}
    # A few library keywords stay unpicked, so the library page has something to offer.
    by_source = Counter(k.source for k in saved)
    library = sum(len(seeds_of(s)) - LIBRARY_LEFT_TO_PICK for s in sectors)
    assert by_source["library"] == library
    assert all(k.volume > 0 for k in saved)


def test_the_demo_site_gets_one_trip_through_the_writer_once(alpha, site):
    from django_tenants.utils import schema_context

    from apps.planner.models import Cluster
    from apps.workspace.management.commands.igny8_setup import Command
    from apps.writer.models import Content, ContentVersion, Task

    with schema_context(alpha.schema):
        Command()._demo_keywords(alpha.account, site)
        said = Command()._demo_writing(site, alpha.owner)
        again = Command()._demo_writing(site, alpha.owner)
        (cluster,) = Cluster.objects.filter(site=site)
        ideas = list(cluster.ideas.order_by("pk"))
        (content,) = Content.objects.filter(site=site)
        statuses = sorted(i.status for i in ideas)
        tasks = Task.objects.filter(site=site).count()
        versions = ContentVersion.objects.filter(content=content).count()
        mapped = cluster.keywords.filter(status="mapped").count()
    assert "one written as the draft" in said and again == ""
    assert cluster.keyword_count == mapped >= 2
    assert statuses == ["completed", "new"] and tasks == 1
    assert content.status == "draft" and content.word_count > 300 and versions == 1
    assert content.score is not None
