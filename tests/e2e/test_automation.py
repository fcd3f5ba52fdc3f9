"""Automation in a real browser, with a real worker (`manage.py qcluster`) running the jobs:
configure the site (a wrong hour refused and kept, then saved), see what a run would cost,
run now, watch the progress move without a reload, pause, resume, see the run in the history
with its log (in the page and downloaded), and the bell telling of the finish. All under the
Content-Security-Policy; every page also looked at on a phone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.accounts import provisioning
from apps.automation.models import AutomationRun, RunStatus
from apps.planner.models import Keyword, normalize_keyword
from apps.workspace.models import Site
from apps.workspace.services.workspace import site_create, site_sectors_set
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.test_csp import Problems
from tests.e2e.test_phone import check_layout
from tests.factories import PASSWORD, industry_with_sectors, make_user
from tests.workers import database_url as _database_url

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("IGNY8_SCREENSHOTS", "")
TOPICS = ["drain cleaning", "roof repair", "lawn care", "tree trimming"]
PATTERNS = ["{t}", "{t} services", "best {t} company", "{t} cost", "how much does {t} cost"]


def shot(page: Page, name: str) -> None:
    if SHOTS:
        size = page.viewport_size["width"]
        page.screenshot(path=os.path.join(SHOTS, f"automation-{name}-{size}.png"), full_page=True)


@pytest.fixture
def worker(live_server, tmp_path, settings):
    """A real job worker on the live server's database, sharing its logs folder."""
    settings.JOBS_SYNC = False
    settings.LOG_DIR = tmp_path / "logs"
    output = (tmp_path / "qcluster.log").open("w+b")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        DATABASE_URL=_database_url(),
        IGNY8_JOBS_SYNC="0",
        IGNY8_WORKERS="1",
        IGNY8_LOG_DIR=str(settings.LOG_DIR),
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    output.seek(0)
    print(output.read().decode(errors="replace"))  # shown by pytest when the test fails
    output.close()


def garden_workspace(slug: str, email: str):
    owner = make_user(email, name="Ada Auto")
    account = provisioning.workspace_create(name=f"Auto {RUN_ID}", slug=slug, owner=owner)
    industry = industry_with_sectors()
    with schema_context(account.schema_name):
        site = site_create(
            account=account,
            name="Garden Blog",
            url="https://garden.example.com",
            industry=industry,
            language="en",
        )
        sectors = list(industry.sectors.order_by("pk").values_list("pk", flat=True)[:1])
        site_sectors_set(account=account, site=site, industry_sector_ids=sectors)
        Site.objects.filter(pk=site.pk).update(images_per_article=0)
        sector = site.sectors.get()
        texts = [p.format(t=t) for t in TOPICS for p in PATTERNS]
        Keyword.objects.bulk_create(
            Keyword(site=site, sector=sector, text=t, normalized=normalize_keyword(t), volume=90)
            for t in texts
        )
    return account, site, len(texts)


def test_configure_run_pause_resume_and_follow_it_to_the_bell(
    page: Page, hosts: Hosts, new_slug, worker
):
    page.set_viewport_size(DESKTOP)
    slug = new_slug("automation")
    email = f"automation-{RUN_ID}@e2e.example"
    account, site, keywords = garden_workspace(slug, email)
    problems = Problems(page)
    ws = lambda path: hosts.workspace(slug, path)  # noqa: E731

    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(ws("/"))
    expect(page.locator('[data-item="automation"]')).not_to_have_class(re.compile("done"))
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Automation").click()
    expect(page).to_have_url(ws("/automation/"))

    # What a run would do and cost, before anything starts.
    first = page.locator('[data-stage="1"]')
    expect(first).to_contain_text(f"{keywords} keywords waiting")
    expect(page.locator("[data-run-cost]")).to_have_text("free with the offline writer")
    expect(page.locator("[data-next-run]")).to_have_text("Not scheduled: the schedule is off")
    shot(page, "page")

    # Configure: a wrong hour is refused in words and kept; the weekly day shows for weekly.
    settings_form = page.locator("#automation-settings")
    expect(page.get_by_label("Day of the week")).to_be_hidden()
    page.get_by_label("How often").select_option("weekly")
    expect(page.get_by_label("Day of the week")).to_be_visible()
    page.get_by_label("How often").select_option("daily")
    page.get_by_label("Run on a schedule").check()
    page.get_by_label("Hour").fill("25")
    page.get_by_label("Delay between items (seconds)").fill("1")
    page.get_by_label("Items per run, at most").fill("2")
    settings_form.get_by_role("button", name="Save settings").click()
    expect(settings_form.get_by_text("Choose an hour from 0 to 23")).to_be_visible()
    expect(page.get_by_label("Hour")).to_have_value("25")
    expect(page.get_by_label("Delay between items (seconds)")).to_have_value("1")
    expect(page.get_by_label("Run on a schedule")).to_be_checked()
    shot(page, "settings-error")
    page.get_by_label("Hour").fill("6")
    page.locator("#automation-settings").get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Automation settings of Garden Blog saved")).to_be_visible()
    expect(page.locator("[data-next-run]")).to_contain_text("06:00")
    expect(page.locator("[data-next-run]")).to_contain_text("(UTC)")

    # Run now: the live part follows the run by itself (no reload).
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Run now").click()
    live = page.locator(".auto-live")
    expect(live.get_by_role("heading", name=re.compile(r"Run #\d+"))).to_be_visible()
    expect(page.locator("[data-cannot-start]")).to_contain_text("A site runs one automation")
    text = page.locator("[data-progress-text]")
    expect(text).to_have_text(re.compile(r"Stage [2-7] of 7 · "), timeout=30_000)
    shot(page, "running")

    # Pause: it takes effect after the item in hand, and stays put.
    live.get_by_role("button", name="Pause").click()
    expect(live.locator("[data-run-status]")).to_have_text("Paused", timeout=20_000)
    held = text.inner_text()
    assert held.endswith("· Paused")
    time.sleep(3)
    expect(text).to_have_text(held)
    expect(live.get_by_role("button", name="Resume")).to_be_visible()
    shot(page, "paused")

    # Resume: it goes on from where it stopped, to the end; the page stops polling then.
    live.get_by_role("button", name="Resume").click()
    expect(page.locator("#automation-panel")).to_have_attribute(
        "data-run-active", "no", timeout=90_000
    )
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("[data-last-run]")).to_contain_text("Completed")
    with schema_context(account.schema_name):
        run = AutomationRun.objects.get(site=site)
    assert run.status == RunStatus.COMPLETED, run.reason
    shot(page, "done")

    # The history has it; its page shows each stage and the log, which downloads as text.
    page.get_by_role("link", name="Run history").click()
    row = page.locator(f'tr[data-run="{run.pk}"]')
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("by Ada Auto")
    # The bell tells of the finish.
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    shot(page, "history")
    row.get_by_role("link", name=f"Run #{run.pk}").click()
    expect(page).to_have_url(ws(f"/automation/runs/{run.pk}/"))
    expect(page.locator('tr[data-stage="4"] [data-processed]')).to_have_text("2")
    log = page.locator("[data-log]")
    expect(log).to_contain_text(f"[run {run.pk} request ")
    expect(log).to_contain_text("paused at stage")
    expect(log).to_contain_text("resumed by Ada Auto")
    expect(page.locator("[data-request-id]")).to_have_text(run.request_id)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the log").click()
    download = download_info.value
    assert download.suggested_filename == f"automation-run-{run.pk}.log"
    body = Path(download.path()).read_text(encoding="utf-8")
    assert f"run #{run.pk} of Garden Blog queued" in body and "run completed" in body
    shot(page, "run")

    page.get_by_role("link", name="Notifications, 1 unread").click()
    expect(page.get_by_role("link", name="Automation finished on Garden Blog")).to_be_visible()

    # The dashboard: the checklist's automation item is done.
    page.goto(ws("/"))
    expect(page.locator('[data-item="automation"]')).to_have_class(re.compile("done"))

    # Every automation page on a phone.
    page.set_viewport_size(PHONE)
    for path in ["/automation/", "/automation/runs/", f"/automation/runs/{run.pk}/"]:
        check_layout(page, ws(path))
        if SHOTS:
            shot(page, path.strip("/").replace("/", "-"))
    assert not problems, "\n".join(problems)
