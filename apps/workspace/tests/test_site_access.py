"""Site grants: which sites an editor or viewer sees follows SiteAccess exactly."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.workspace.models import SiteAccess
from apps.workspace.services.workspace import site_access_grant, site_access_set
from apps.workspace.tests.pages import switcher, text
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def visible(client) -> set[str]:
    return set(switcher(client.get("/sites/")))


def test_setting_grants_changes_what_the_editor_sees(alpha, viewer, client_for):
    alder = make_site(alpha.account, "Alder Blog")
    birch = make_site(alpha.account, "Birch Blog")
    cedar = make_site(alpha.account, "Cedar Blog")
    client = client_for(alpha.editor, alpha.host)
    with schema_context(alpha.schema):
        site_access_set(user=alpha.editor, site_ids=[alder.pk, birch.pk])
        site_access_set(user=viewer, site_ids=[cedar.pk])
    assert visible(client) == {"Alder Blog", "Birch Blog"}
    with schema_context(alpha.schema):
        site_access_set(user=alpha.editor, site_ids=[birch.pk, cedar.pk])
    assert visible(client) == {"Birch Blog", "Cedar Blog"}
    assert visible(client_for(viewer, alpha.host)) == {"Cedar Blog"}, "other grants untouched"
    with schema_context(alpha.schema):
        site_access_set(user=alpha.editor, site_ids=[])
    assert visible(client) == set()
    assert "No site has been shared with you yet" in text(client.get("/sites/"))


def test_granting_twice_keeps_one_grant_and_ignores_unknown_sites(alpha):
    site = make_site(alpha.account, "Alder Blog")
    with schema_context(alpha.schema):
        site_access_grant(user=alpha.editor, site_ids=[site.pk, 987654321])
        site_access_grant(user=alpha.editor, site_ids=[site.pk])
        grants = list(SiteAccess.objects.filter(user_id=alpha.editor.pk))
    assert [g.site_id for g in grants] == [site.pk]


def test_a_grant_does_not_make_a_site_editable(alpha, client_for):
    site = make_site(alpha.account, "Alder Blog", grant=[alpha.editor])
    client = client_for(alpha.editor, alpha.host)
    assert visible(client) == {"Alder Blog"}
    assert f'href="/sites/{site.pk}/edit/"' not in text(client.get("/sites/"))
    assert client.get(f"/sites/{site.pk}/edit/").status_code == 403
