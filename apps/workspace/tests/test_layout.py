"""The page frame every workspace page shares: a header that folds into one row behind a
"Menu" button on a phone (the site switcher and the balance inside its panel), and list
filters that fold there too. The browser test (tests/e2e/test_phone.py) measures the result."""

from __future__ import annotations

import re

import pytest

from apps.billing import credits
from tests.factories import make_site

pytestmark = pytest.mark.django_db

LISTS = [
    "/planner/keywords/",
    "/planner/clusters/",
    "/planner/ideas/",
    "/writer/tasks/",
    "/writer/content/",
    "/billing/usage/",
]


@pytest.fixture
def site(alpha):
    return make_site(alpha.account, "Layout Blog", sectors=1, grant=[alpha.editor])


def panel(html: str) -> str:
    found = re.search(r'<div class="nav-panel" id="main-nav">(.*?)</header>', html, re.S)
    assert found, "no nav panel"
    return found.group(1)


def test_the_menu_button_controls_a_panel_with_the_links_balance_and_switcher(
    alpha, site, client_for
):
    html = client_for(alpha.owner, alpha.host).get("/").content.decode()

    button = re.search(r"<button[^>]*data-nav-toggle[^>]*>([^<]*)</button>", html)
    assert button and button.group(1) == "Menu"
    assert 'type="button"' in button.group(0)
    assert 'aria-controls="main-nav"' in button.group(0)
    assert 'aria-expanded="false"' in button.group(0)
    inside = panel(html)
    assert '<nav class="nav" aria-label="Workspace">' in inside
    assert 'id="site-switcher"' in inside
    total = credits.balance_for(alpha.account).total
    assert f"<span data-credits-total>{total:,}</span> credits" in inside
    # Without JavaScript the panel is simply shown (the button would do nothing).
    assert re.search(r"<noscript><style>[^<]*\.nav-panel \{ display: flex;", html)


@pytest.mark.parametrize("path", LISTS)
def test_list_filters_fold_on_a_phone_and_stay_open_elsewhere(alpha, site, client_for, path):
    html = client_for(alpha.owner, alpha.host).get(path).content.decode()

    fold = re.search(r"<details([^>]*)data-fold-on-phone>\s*<summary>Filters", html)
    assert fold, f"{path}: the filters are not in a fold"
    assert " open " in fold.group(1) + " "  # open as served; app.js folds it on a phone only
    after = html[fold.end() :]
    assert after.find('class="filters') < after.find("</details>"), "the form is inside the fold"


def test_lesser_members_get_the_same_frame(alpha, site, client_for):
    html = client_for(alpha.editor, alpha.host).get("/writer/content/").content.decode()

    assert "data-nav-toggle" in html and "data-fold-on-phone" in html
