"""Plan limits: a Free workspace meets them on the page, over HTMX, as JSON and in services.

Free allows 1 site, 1 user (open invitations count) and 3 sectors per site; an upgrade to
Starter (3 sites, 3 users, 5 sectors) lets the same actions through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core import mail
from django_tenants.utils import schema_context

from apps.accounts import provisioning
from apps.accounts import services as team_services
from apps.accounts.models import Account, Invitation, Role, User
from apps.billing import plans
from apps.billing.errors import PlanLimitError
from apps.billing.models import Plan
from apps.workspace.models import Sector, Site
from apps.workspace.services import workspace as site_services
from tests.factories import industry_with_sectors, make_member, make_site, make_user

pytestmark = pytest.mark.django_db


@dataclass
class Free:
    account: Account
    owner: User
    host: str


@pytest.fixture
def free(workspaces) -> Free:
    owner = make_user("owner@free.test")
    account = provisioning.workspace_create(name="Free Co", slug="free-co", owner=owner)
    return Free(account, owner, f"free-co.{settings.IGNY8_BASE_DOMAIN}")


def upgrade(account: Account, slug: str = "starter") -> None:
    plans.plan_assign(account=account, plan=Plan.objects.get(slug=slug))


def site_names(account: Account) -> list[str]:
    with schema_context(account.schema_name):
        return sorted(Site.objects.values_list("name", flat=True))


def site_form(name: str) -> dict[str, str]:
    return {
        "name": name,
        "url": "https://second.example.com",
        "industry": str(industry_with_sectors().pk),
        "language": "en",
    }


def test_free_workspaces_start_on_the_free_plan_with_its_limits(free):
    plan = plans.subscription_for(free.account).plan
    assert plan.slug == "free"
    assert [plan.limit_for(r) for r in ("sites", "users", "sectors")] == [1, 1, 3]


# Sites --------------------------------------------------------------------------------------


def test_the_first_site_fits_the_free_plan(free, client_for):
    response = client_for(free.owner, free.host).post("/sites/new/", site_form("First Blog"))
    assert response.status_code == 303
    assert site_names(free.account) == ["First Blog"]


def test_a_second_site_on_free_is_refused_with_an_upgrade_link(free, client_for):
    make_site(free.account, "First Blog")
    response = client_for(free.owner, free.host).post("/sites/new/", site_form("Second Blog"))

    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error-code="plan_limit"' in html
    assert "The Free plan allows 1 site;" in html
    assert 'href="/billing/"' in html and "Upgrade your plan" in html
    # What the person typed is still there.
    assert 'value="Second Blog"' in html and 'value="https://second.example.com"' in html
    assert site_names(free.account) == ["First Blog"]


def test_the_add_site_page_warns_before_the_form_is_filled(free, client_for):
    make_site(free.account, "First Blog")
    response = client_for(free.owner, free.host).get("/sites/new/")
    assert response.status_code == 200
    assert 'data-error-code="plan_limit"' in response.content.decode()


def test_a_json_client_gets_the_envelope_for_a_site_over_the_limit(free, client_for):
    make_site(free.account, "First Blog")
    response = client_for(free.owner, free.host).post(
        "/sites/new/", site_form("Second Blog"), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["success"] is False
    assert body["error"]["code"] == "plan_limit"
    assert "Free plan" in body["error"]["message"]
    assert site_names(free.account) == ["First Blog"]


def test_an_htmx_request_gets_a_partial_for_a_site_over_the_limit(free, client_for):
    make_site(free.account, "First Blog")
    response = client_for(free.owner, free.host).post(
        "/sites/new/", site_form("Second Blog"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error-code="plan_limit"' in html and 'href="/billing/"' in html
    assert "<html" not in html  # a piece to swap in, not a whole page
    assert site_names(free.account) == ["First Blog"]


def test_after_an_upgrade_the_second_site_is_added(free, client_for):
    make_site(free.account, "First Blog")
    upgrade(free.account)
    response = client_for(free.owner, free.host).post("/sites/new/", site_form("Second Blog"))
    assert response.status_code == 303
    assert site_names(free.account) == ["First Blog", "Second Blog"]


def test_the_site_service_refuses_without_a_view(free):
    make_site(free.account, "First Blog")
    with schema_context(free.account.schema_name), pytest.raises(PlanLimitError) as refused:
        site_services.site_create(
            account=free.account,
            name="From a job",
            url="https://job.example.com",
            industry=industry_with_sectors(),
            language="en",
        )
    assert (refused.value.status, refused.value.code) == (403, "plan_limit")
    assert refused.value.action_url == "/billing/"
    assert site_names(free.account) == ["First Blog"]


# Members -----------------------------------------------------------------------------------


def invite(client, email: str):
    return client.post("/team/invite/", {"email": email, "role": Role.EDITOR})


def open_invitations(account: Account) -> list[str]:
    return sorted(
        Invitation.objects.filter(account=account, revoked_at__isnull=True).values_list(
            "email", flat=True
        )
    )


def test_inviting_a_second_member_on_free_is_refused(free, client_for):
    response = invite(client_for(free.owner, free.host), "second@example.com")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error-code="plan_limit"' in html and 'href="/billing/"' in html
    assert "The Free plan allows 1 team member;" in html
    assert open_invitations(free.account) == []
    assert mail.outbox == []


def test_a_json_client_gets_the_envelope_for_an_invitation_over_the_limit(free, client_for):
    response = client_for(free.owner, free.host).post(
        "/team/invite/",
        {"email": "second@example.com", "role": Role.EDITOR},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403
    body = json.loads(response.content)
    assert (body["success"], body["error"]["code"]) == (False, "plan_limit")
    assert open_invitations(free.account) == []


def test_open_invitations_count_against_the_user_limit(free, client_for):
    upgrade(free.account)  # Starter: 3 users
    client = client_for(free.owner, free.host)
    assert invite(client, "second@example.com").status_code == 303
    assert invite(client, "third@example.com").status_code == 303
    # One member and two open invitations: the plan is full before anyone has accepted.
    response = invite(client, "fourth@example.com")
    assert response.status_code == 403
    assert 'data-error-code="plan_limit"' in response.content.decode()
    assert open_invitations(free.account) == ["second@example.com", "third@example.com"]

    # A withdrawn invitation gives its place back.
    team_services.invitation_revoke(
        invitation=Invitation.objects.get(account=free.account, email="third@example.com")
    )
    assert invite(client, "fourth@example.com").status_code == 303
    assert open_invitations(free.account) == ["fourth@example.com", "second@example.com"]


def test_after_an_upgrade_a_second_member_can_be_invited(free, client_for):
    upgrade(free.account)
    response = invite(client_for(free.owner, free.host), "second@example.com")
    assert response.status_code == 303
    assert open_invitations(free.account) == ["second@example.com"]
    assert [m.to for m in mail.outbox] == [["second@example.com"]]


def test_the_invitation_service_refuses_without_a_view(free):
    with pytest.raises(PlanLimitError):
        team_services.invitation_create(
            account=free.account,
            email="second@example.com",
            role=Role.EDITOR,
            site_ids=[],
            invited_by=free.owner,
        )
    assert open_invitations(free.account) == []


def test_members_already_over_the_limit_block_new_invitations(free):
    # A downgrade can leave more members than the plan allows: no new ones until it fits.
    upgrade(free.account)
    make_member(free.account, Role.EDITOR)
    plans.plan_assign(account=free.account, plan=Plan.objects.get(slug="free"))
    with pytest.raises(PlanLimitError, match="this workspace has 2"):
        plans.limit_check(free.account, "users")


# Sectors -----------------------------------------------------------------------------------


def sector_ids(site: Site, count: int) -> list[str]:
    industry = industry_with_sectors()
    assert site.industry_id == industry.pk
    return [str(pk) for pk in industry.sectors.values_list("pk", flat=True)[:count]]


def chosen(account: Account, site: Site) -> int:
    with schema_context(account.schema_name):
        return Sector.objects.filter(site_id=site.pk).count()


def test_four_sectors_on_free_are_refused_three_are_saved(free, client_for):
    site = make_site(free.account, "First Blog")
    client = client_for(free.owner, free.host)

    refused = client.post(f"/sites/{site.pk}/sectors/", {"sectors": sector_ids(site, 4)})
    assert refused.status_code == 403
    html = refused.content.decode()
    assert 'data-error-code="plan_limit"' in html and 'href="/billing/"' in html
    assert "3 sectors per site" in html
    assert chosen(free.account, site) == 0

    accepted = client.post(f"/sites/{site.pk}/sectors/", {"sectors": sector_ids(site, 3)})
    assert accepted.status_code == 303
    assert chosen(free.account, site) == 3


def test_an_htmx_request_gets_a_partial_for_sectors_over_the_limit(free, client_for):
    site = make_site(free.account, "First Blog")
    response = client_for(free.owner, free.host).post(
        f"/sites/{site.pk}/sectors/", {"sectors": sector_ids(site, 4)}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error-code="plan_limit"' in html and "<html" not in html
    assert chosen(free.account, site) == 0


def test_after_an_upgrade_four_sectors_are_saved(free, client_for):
    site = make_site(free.account, "First Blog")
    upgrade(free.account)
    response = client_for(free.owner, free.host).post(
        f"/sites/{site.pk}/sectors/", {"sectors": sector_ids(site, 4)}
    )
    assert response.status_code == 303
    assert chosen(free.account, site) == 4


def test_the_sector_service_refuses_without_a_view(free):
    site = make_site(free.account, "First Blog")
    with schema_context(free.account.schema_name), pytest.raises(PlanLimitError):
        site_services.site_sectors_set(
            account=free.account, site=site, industry_sector_ids=sector_ids(site, 4)
        )
    assert chosen(free.account, site) == 0


# Meters ------------------------------------------------------------------------------------


def test_meters_show_use_against_the_plan(free):
    make_site(free.account, "First Blog")
    meters = {m.resource: m for m in plans.meters(free.account)}
    assert (meters["sites"].used, meters["sites"].limit, meters["sites"].at_limit) == (1, 1, True)
    assert meters["sites"].percent == 100
    assert (meters["users"].used, meters["users"].limit) == (1, 1)
    assert (meters["keywords"].limit, meters["keywords"].at_limit) == (500, False)

    upgrade(free.account)
    meters = {m.resource: m for m in plans.meters(free.account)}
    assert (meters["sites"].used, meters["sites"].limit, meters["sites"].percent) == (1, 3, 33)
    assert not meters["sites"].at_limit


def test_limit_check_refuses_an_unknown_resource(free):
    with pytest.raises(ValueError):
        plans.limit_check(free.account, "planets")


@pytest.mark.parametrize(
    ("resource", "n", "words"),
    [
        ("users", 1, "1 team member"),
        ("users", 3, "3 team members"),
        ("sites", 1, "1 site"),
        ("sectors", 1, "1 sector"),
        ("keywords", 25000, "25,000 keywords"),
        ("keywords", 0, "0 keywords"),
    ],
)
def test_limits_are_counted_in_the_right_number(resource, n, words):
    from apps.billing.plans import counted

    assert counted(n, resource) == words
