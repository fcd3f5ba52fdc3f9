"""Seed workspaces for the cluster tests, run as its own process against the cluster's database:
`python -m tests.cluster.seed <slug> <token> [<slug> <token> ...]`.

Each workspace gets an owner, one site with one sector and keywords that all carry the
workspace's token (so a page that shows another workspace's rows is caught), and a signed-in
session. Prints one JSON object: {slug: {"session": key, "email": ..., "site": id}}.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django_tenants.utils import schema_context

    from apps.accounts import provisioning
    from apps.planner.models import Keyword
    from tests.factories import make_site, make_user

    out: dict[str, dict] = {}
    for slug, token in zip(argv[::2], argv[1::2], strict=True):
        user = make_user(f"owner@{slug}.example")
        account = provisioning.workspace_create(name=f"WS {slug}", slug=slug, owner=user)
        site = make_site(account, f"Site {token}", sectors=1)
        with schema_context(account.schema_name):
            sector = site.sectors.first()
            Keyword.objects.bulk_create(
                Keyword(
                    site=site, sector=sector, text=f"{token} kw {i}", normalized=f"{token} kw {i}"
                )
                for i in range(20)
            )
        client = Client()
        client.force_login(user)
        out[slug] = {
            "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "email": user.email,
            "site": site.pk,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
