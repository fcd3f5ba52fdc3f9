"""Shared pieces of the optimizer and linker tests: a site granted to alpha's editor and a
viewer, an editor without the grant, articles made through content_create on one subject
(bicycles) and one apart (baking), clients looking at that site, and page readers."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.workspace.models import Site
from apps.writer.models import Content, ContentVersion, LinkSuggestion
from apps.writer.services.versions import content_create
from tests.factories import make_site
from tests.fixtures import Workspace
from tests.members import stranger_editor_fixture, viewer_fixture  # noqa: F401  (re-exported)
from tests.web import body, client_on, fresh, page_text, text_of  # noqa: F401  (re-exported)

# Test modules import the fixtures by these names: `from … import site_fixture, viewer_fixture`.


@pytest.fixture(name="site")
def site_fixture(alpha, viewer) -> Site:
    """Alpha's site under test, granted to alpha's editor and the viewer."""
    return make_site(alpha.account, "Cycle Site", sectors=1, grant=[alpha.editor, viewer])


# The source article mentions, outside links and headings: "road bike" (the first target's
# keyword), "bike fit" (the second's), "tyre pressure" (the third's, inside a heading only
# once and in the text once). It already links to /bike-lights/.
SOURCE_HTML = (
    "<h2>Choosing a road bike</h2>"
    "<p>Your first road bike should feel calm and safe. A good bike fit matters more than "
    "the brand, and a shop can check your bike fit in an hour.</p>"
    "<h2>Tyre pressure basics</h2>"
    "<p>Check the tyre pressure before each ride; the right tyre pressure makes the bike "
    'quicker. For night rides read about <a href="/bike-lights/">bike lights</a>.</p>'
    "<p>Cycling every week builds strength; a road bike makes long rides easy.</p>"
)

BICYCLE_ARTICLES = {
    "road": dict(
        title="Road Bike Buying Guide",
        primary_keyword="road bike",
        html="<h2>Road bikes</h2><p>A road bike is light and fast. Frames, gears and tyres "
        "decide how a road bike rides. Buy the road bike that fits.</p>",
    ),
    "fit": dict(
        title="Bike Fit Explained",
        primary_keyword="bike fit",
        html="<h2>Bike fit</h2><p>A bike fit sets saddle height, reach and cleats so cycling "
        "does not hurt. A professional bike fit helps every rider of a road bike.</p>",
    ),
    "tyres": dict(
        title="Tyre Pressure for Cyclists",
        primary_keyword="tyre pressure",
        html="<h2>Tyre pressure</h2><p>The right tyre pressure for a bicycle depends on rider "
        "weight and tyre width. Check tyre pressure before riding your bike.</p>",
    ),
    "lights": dict(
        title="Bike Lights for Night Rides",
        primary_keyword="bike lights",
        slug="bike-lights",
        html="<h2>Lights</h2><p>Bike lights keep cyclists seen at night on the road.</p>",
    ),
}
APART = dict(
    title="Sourdough Bread at Home",
    primary_keyword="sourdough bread",
    html="<h2>Starter</h2><p>Sourdough bread needs a lively starter, flour, water and salt. "
    "Bake the bread in a hot oven.</p>",
)


def make_content(ws: Workspace, site: Site, title: str, **fields) -> Content:
    with schema_context(ws.schema):
        sector = site.sectors.order_by("pk").first()
        extra = {"target_words": fields.pop("target_words")} if "target_words" in fields else {}
        return content_create(
            site=site, sector=sector, fields={"title": title, **fields}, extra=extra
        )


def make_source(ws: Workspace, site: Site, **fields) -> Content:
    title = fields.pop("title", "Cycling for Beginners")
    values = {
        "html": SOURCE_HTML,
        "primary_keyword": "cycling for beginners",
        "slug": "cycling-for-beginners",
        **fields,
    }
    return make_content(ws, site, title, **values)


def make_targets(ws: Workspace, site: Site, names=("road", "fit", "tyres", "lights")) -> dict:
    out = {}
    for name in names:
        spec = dict(BICYCLE_ARTICLES[name])
        out[name] = make_content(ws, site, spec.pop("title"), **spec)
    return out


def versions(ws: Workspace, content: Content) -> list[ContentVersion]:
    with schema_context(ws.schema):
        return list(ContentVersion.objects.filter(content=content).order_by("number"))


def suggestions(ws: Workspace, source: Content, **lookup) -> list[LinkSuggestion]:
    with schema_context(ws.schema):
        return list(
            LinkSuggestion.objects.filter(source=source, **lookup)
            .select_related("target")
            .order_by("pk")
        )


def links_to(markup: str, href: str) -> int:
    """How many <a> elements of `markup` point at `href`."""
    return len(re.findall(r"<a\b[^>]*\bhref=\"" + re.escape(href) + '"', markup))
