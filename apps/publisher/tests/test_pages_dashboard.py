"""The dashboard's "Connect WordPress" item lights up once the site's WordPress answered a
test, and goes out again when the key is revoked."""

from __future__ import annotations

import pytest

from apps.publisher.models import ConnectionStatus
from apps.publisher.tests.pages import connect, garden_site
from apps.workspace.tests.pages import checklist

pytestmark = pytest.mark.django_db


def test_the_wordpress_item_follows_the_connection(alpha, client_for):
    site = garden_site(alpha)
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    assert checklist(client.get("/"))["wordpress"] == ("Connect WordPress", False)
    assert 'href="/publisher/"' in client.get("/").content.decode()

    connect(alpha, site, status=ConnectionStatus.NEW)  # a key made, never tested
    assert checklist(client.get("/"))["wordpress"][1] is False

    connect(alpha, site)  # tested: WordPress answered
    assert checklist(client.get("/"))["wordpress"][1] is True

    connect(alpha, site, status=ConnectionStatus.REVOKED)
    assert checklist(client.get("/"))["wordpress"][1] is False
