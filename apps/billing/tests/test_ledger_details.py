"""The credit ledger says what each row was for, linked to it, never its internal key; and the
balance shown anywhere on a page follows every HTMX answer."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.billing.models import CreditCost, CreditLedger, Pool
from apps.planner.models import Cluster
from apps.workspace.models import Job
from apps.writer.models import Content, Image, Task
from apps.writer.services.versions import content_create
from tests.factories import make_site

pytestmark = pytest.mark.django_db

OP = "test_ledger_item"


@pytest.fixture
def cost(db) -> None:
    CreditCost.objects.create(
        operation=OP, label="Test step", unit="per_item", credits_per_unit=1, minimum=1
    )


@pytest.fixture
def work(alpha):
    """An article with an in-article image, its writing task and job, a cluster, an optimize
    job: the things AI runs are charged for, as the services key them."""
    site = make_site(alpha.account, "Ledger Site", sectors=1)
    with schema_context(alpha.schema):
        sector = site.sectors.first()
        content = content_create(
            site=site,
            sector=sector,
            fields={"title": "Fixing a leaking tap", "html": "<p>Hi</p>", "primary_keyword": "tap"},
        )
        write_job = Job.objects.create(kind="write", label="Write “Fixing a leaking tap”")
        task = Task.objects.create(
            site=site,
            sector=sector,
            title="Fixing a leaking tap",
            primary_keyword="tap",
            job=write_job,
        )
        Content.objects.filter(pk=content.pk).update(task=task)
        image_job = Job.objects.create(kind="images", label="Generate 1 image")
        image = Image.objects.create(
            content=content, site=site, kind="in_article", position=1, heading="Tools"
        )
        cluster = Cluster.objects.create(site=site, sector=sector, name="Tap repairs")
        ideas_job = Job.objects.create(kind="ideas", label="Generate 3 ideas for 1 cluster")
        optimize_job = Job.objects.create(kind="optimize", label="Optimize “Fixing a leaking tap”")
    s = alpha.schema
    return {
        "content": content,
        "cluster": cluster,
        "optimize_job": optimize_job,
        "keys": {
            "image": f"{s}:job:{image_job.pk}:image:{image.pk}",
            "ideas": f"{s}:job:{ideas_job.pk}:ideas:{cluster.pk}",
            "write": f"{s}:job:{write_job.pk}",
            "write_inline": f"{s}:task:{task.pk}:0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "optimize": f"{s}:job:{optimize_job.pk}:optimize",
        },
    }


def charge(alpha, key: str) -> None:
    reservation = credits.reserve(account=alpha.account, operation=OP, units=1, key=key)
    credits.settle(reservation=reservation, actual_units=1)


def what_for(response, key: str) -> str:
    """The "What for" cell of the ledger rows reserved under `key` (they all read the same)."""
    ids = CreditLedger.objects.filter(reference=key).values_list("pk", flat=True)
    cells = {
        re.search(r'<td class="ledger-what" data-what>(.*?)</td>', row, re.S).group(1)
        for pk in ids
        for row in re.findall(rf'<tr data-entry="{pk}">.*?</tr>', response.content.decode(), re.S)
    }
    assert len(cells) == 1, cells
    return cells.pop()


def text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_each_ai_row_says_what_it_was_for_and_links_to_it(alpha, cost, work, client_for):
    for key in work["keys"].values():
        charge(alpha, key)

    page = client_for(alpha.owner, alpha.host).get("/billing/usage/")

    assert page.status_code == 200
    content, cluster = work["content"].pk, work["cluster"].pk
    image = what_for(page, work["keys"]["image"])
    assert text(image).startswith("In article image of “Fixing a leaking tap”")
    assert f'href="/writer/content/{content}/images/"' in image
    ideas = what_for(page, work["keys"]["ideas"])
    assert text(ideas).startswith("Ideas for the cluster “Tap repairs”")
    assert f'href="/planner/clusters/{cluster}/"' in ideas
    for key in ("write", "write_inline"):
        article = what_for(page, work["keys"][key])
        assert text(article).startswith("Article “Fixing a leaking tap”")
        assert f'href="/writer/content/{content}/"' in article
    optimize = what_for(page, work["keys"]["optimize"])
    assert text(optimize).startswith("Optimize “Fixing a leaking tap”")
    assert f'href="/jobs/{work["optimize_job"].pk}/"' in optimize
    # The internal keys stay out of the page (the CSV export keeps them for reconciling).
    for key in work["keys"].values():
        assert key not in page.content.decode()


def test_a_row_whose_work_was_deleted_says_so_without_the_key(alpha, cost, work, client_for):
    charge(alpha, work["keys"]["image"])
    with schema_context(alpha.schema):
        Content.objects.filter(pk=work["content"].pk).update(deleted_at=timezone.now())
        Job.objects.all().delete()

    page = client_for(alpha.owner, alpha.host).get("/billing/usage/")

    cell = what_for(page, work["keys"]["image"])
    assert text(cell).startswith("An AI run on something deleted since")
    assert "href" not in cell
    assert work["keys"]["image"] not in page.content.decode()


def test_plan_grants_and_notes_read_as_they_were_written(alpha, client_for):
    credits.purchase(account=alpha.account, credits=5, key="t:ledger:pack", reference="Small pack")
    credits.adjust(account=alpha.account, pool=Pool.BONUS, delta=2, actor=None, note="Goodwill")

    page = client_for(alpha.owner, alpha.host).get("/billing/usage/")

    cells = [text(c) for c in re.findall(r"data-what>(.*?)</td>", page.content.decode(), re.S)]
    assert any(c.startswith("Small pack") for c in cells)
    assert any(c.startswith("Goodwill") for c in cells)


# --- the balance after a partial update ------------------------------------------------------


def balance_event(response) -> int | None:
    header = response.get("HX-Trigger-After-Settle")
    if not header:
        return None
    return json.loads(header).get("credits-changed", {}).get("total")


def test_every_htmx_answer_carries_the_balance_after_it(alpha, cost, client_for):
    client = client_for(alpha.owner, alpha.host)
    before = credits.balance_for(alpha.account).total

    first = client.get("/writer/content/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="content-rows")
    assert balance_event(first) == before

    charge(alpha, f"{alpha.schema}:test:spent")  # a run settles meanwhile: one credit spent
    second = client.get("/writer/content/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="content-rows")
    assert balance_event(second) == before - 1


def test_the_page_marks_every_place_that_shows_the_balance(alpha, client_for):
    total = credits.balance_for(alpha.account).total

    page = client_for(alpha.owner, alpha.host).get("/").content.decode()

    shown = re.findall(r"data-credits-total[^>]*>([\d,]+)<", page)
    assert len(shown) >= 2  # the header and the dashboard's credits card
    assert set(shown) == {f"{total:,}"}


def test_full_pages_outsiders_and_the_public_host_get_no_balance(alpha, outsider, client_for):
    assert balance_event(client_for(alpha.owner, alpha.host).get("/writer/content/")) is None
    refused = client_for(outsider, alpha.host).get("/writer/content/", HTTP_HX_REQUEST="true")
    assert refused.status_code == 403 and balance_event(refused) is None
    assert "data-credits-total" not in refused.content.decode()
    public = client_for(alpha.owner).get("/workspaces/", HTTP_HX_REQUEST="true")
    assert balance_event(public) is None
