"""The shared list machinery on its own: what a list declares becomes the same filters, links and
messages every list page showed before it was shared."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import QueryDict

from igny8.lists import Choice, Flag, ListSpec, Pager, Ref, Search, sort_header

SPEC = ListSpec(
    filters=(
        Search("q", ("title", "primary_keyword")),
        Choice("status", ("draft", "review"), noun="status"),
        Ref("sector", "sector_id", "sector"),
        Choice("ideas", ("with", "without"), lookups={"with": Q(n__gt=0), "without": Q(n=0)}),
        Choice("kind", None),
        Flag("trashed"),
    ),
    sorts={"name": ("name",), "-name": ("-name",), "-volume": ("-volume", "name")},
    default_sort="-volume",
)


def read(query: str):
    return SPEC.read(QueryDict(query), allowed={"sector": {3, 4}, "kind": {"publish"}})


def test_a_list_reads_its_filters_and_names_what_it_did_not_apply():
    f = read("q=+fan++&status=bogus&sector=9&ideas=maybe&kind=publish&sort=nope")
    assert (f.q, f.status, f.sector, f.ideas, f.kind, f.trashed) == (
        "fan",
        "",
        None,
        "",
        "publish",
        False,
    )
    assert f.ignored == ["“bogus” is not a status", "that sector is not one of this site's"]
    assert f.sort == "-volume" and f.active
    assert not read("").active and not read("trashed=1").active  # a switch is not a filter


def test_the_address_keeps_the_filters_in_declared_order_and_the_sort_unless_default():
    f = read("trashed=1&sector=3&status=draft&q=fan&sort=name")
    assert f.as_query() == {
        "q": "fan",
        "status": "draft",
        "sector": "3",
        "trashed": "1",
        "sort": "name",
    }
    assert "sort" not in f.as_query(sort=False)
    assert read("sort=-volume").as_query() == {}


def test_the_filters_narrow_and_order_through_one_condition():
    f = read("q=fan&sector=4&ideas=without&sort=-name")
    assert f.where() == (Q(title__icontains="fan") | Q(primary_keyword__icontains="fan")) & Q(
        sector_id=4
    ) & Q(n=0)
    assert f.ordering() == ("-name",)


def test_pager_links_keep_the_filters_and_say_page_one_as_each_list_did():
    page = Paginator(range(120), 50).page(2)
    relative = Pager(page, query="q=fan")
    assert (relative.previous_url, relative.next_url) == ("?q=fan&page=1", "?q=fan&page=3")
    assert relative.first_url == relative.last_url == ""
    bare = Pager(page, base="/automation/runs/", bare_first=True, htmx="push")
    assert (bare.previous_url, bare.next_url) == ("/automation/runs/", "/automation/runs/?page=3")
    assert 'hx-push-url="true"' in bare.hx
    ends = Pager(page, base="/planner/keywords/", ends=True)
    assert (ends.first_url, ends.last_url) == (
        "/planner/keywords/?page=1",
        "/planner/keywords/?page=3",
    )


def test_a_column_head_sorts_its_natural_way_first_then_flips():
    def head(sort: str, key: str, first: str = "") -> tuple[str, str, str]:
        h = sort_header(read(f"sort={sort}"), key, key.title(), query="q=fan", first=first)
        return h["url"], h["aria_sort"], h["arrow"]

    assert head("-volume", "name") == ("?q=fan&sort=name", "none", "")
    assert head("name", "name") == ("?q=fan&sort=-name", "ascending", " ↑")
    assert head("-name", "name") == ("?q=fan&sort=name", "descending", " ↓")
    assert head("-volume", "volume", "-volume") == ("?q=fan&sort=volume", "descending", " ↓")
