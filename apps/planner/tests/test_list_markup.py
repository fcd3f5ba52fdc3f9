"""The clusters and ideas lists keep their pager, sort links and bulk bar markup (links, HTMX
attributes, labels) now that every list draws them from the shared components."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.planner.models import Cluster
from apps.planner.tests.helpers_clusters import (
    CLUSTERS,
    add_cluster,
    body,
    client_on,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)

pytestmark = pytest.mark.django_db


def test_the_clusters_list_pages_sorts_and_acts_as_before(alpha, site, client_for):
    add_cluster(alpha, site, "Anchor", [("anchor bolts", 10)], ideas=["Which anchor"])
    with schema_context(alpha.schema):
        sector = site.sectors.order_by("pk").first()
        Cluster.objects.bulk_create(
            Cluster(site=site, sector=sector, name=f"Cluster {n:02}") for n in range(55)
        )
    client = client_on(client_for, alpha.owner, alpha, site)

    page = body(client.get(f"{CLUSTERS}?status=new&sort=name&page=2"))
    assert (
        '<a class="btn btn-secondary btn-sm" href="?status=new&amp;sort=name&amp;page=1" '
        'hx-get="?status=new&amp;sort=name&amp;page=1" hx-swap="outerHTML show:top" '
        'rel="prev">← Previous</a>' in page
    )
    assert '<nav class="pager row" aria-label="Cluster pages">' in page
    assert "Page 2 of 2" in page and 'rel="next"' not in page
    assert (
        '<th scope="col" aria-sort="ascending"><a href="?status=new&amp;sort=-name" '
        'hx-get="?status=new&amp;sort=-name">Name ↑</a></th>' in page
    )
    assert (
        '<th scope="col" class="num col-minor" aria-sort="none"><a href="?status=new&amp;'
        'sort=-volume" hx-get="?status=new&amp;sort=-volume">Volume</a></th>' in page
    )
    assert '<th scope="col">Status</th>' in page
    assert 'aria-label="With the ticked clusters"' in page
    assert 'type="submit" formaction="/planner/clusters/dissolve/">Dissolve</button>' in page

    rows = client.get(
        f"{CLUSTERS}?status=new&sort=name&page=2",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="cluster-rows",
    )
    assert rows["HX-Push-Url"] == "/planner/clusters/?status=new&sort=name&page=2"
    assert body(rows).lstrip().startswith('<div id="cluster-rows"')


def test_the_ideas_list_says_what_it_did_not_apply_and_offers_its_actions(alpha, site, client_for):
    add_cluster(alpha, site, "Anchor", [("anchor bolts", 10)], ideas=["Which anchor"])
    client = client_on(client_for, alpha.owner, alpha, site)

    page = body(client.get("/planner/ideas/?structure=poem&cluster=999999&disabled=maybe"))
    assert (
        "Not applied: that cluster is not one of this site&#x27;s; “poem” is not a structure."
        in page
    )
    for value, label in [
        ("queue", "Queue to writer"),
        ("disable", "Disable"),
        ("delete", "Move to trash"),
    ]:
        assert f'name="action" value="{value}">{label}</button>' in page
    assert "No ideas match these filters." not in page  # the unknown values narrowed nothing
    assert 'data-idea="' in page
