"""The publisher in a real browser against a real WordPress (Debian's packages, the IGNY8
Bridge plugin activated; tests/wordpress): connect a site (the key shown once, copied, gone
after a reload), paste it into the plugin, test both directions, publish an approved article
with its pictures from the content list, see it on the calendar and in the sync log, open the
live post. Then book a second article into a free slot from the calendar and take it off
again. All under the Content-Security-Policy; every page looked at on a desk and a phone."""

from __future__ import annotations

import contextlib
import os
import re
import secrets

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from apps.accounts import provisioning
from apps.publisher.models import Publication, PublishSchedule
from apps.publisher.tests import helpers as publisher_helpers
from apps.workspace.models import Site
from apps.workspace.services.workspace import site_create, site_sectors_set
from apps.writer.models import Content
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.test_csp import Problems
from tests.e2e.test_phone import check_layout
from tests.factories import PASSWORD, industry_with_sectors, make_user

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("IGNY8_SCREENSHOTS", "")
PAGES = ["/publisher/", "/publisher/schedule/", "/publisher/calendar/", "/publisher/sync/"]


def shot(page: Page, name: str) -> None:
    if SHOTS:
        size = page.viewport_size["width"]
        page.screenshot(path=os.path.join(SHOTS, f"publisher-{name}-{size}.png"), full_page=True)


def garden_workspace(slug: str, email: str, wp_url: str):
    owner = make_user(email, name="Pat Publisher")
    account = provisioning.workspace_create(name=f"Pub {RUN_ID}", slug=slug, owner=owner)
    industry = industry_with_sectors()
    with schema_context(account.schema_name):
        site = site_create(
            account=account, name="Garden Blog", url=wp_url, industry=industry, language="en"
        )
        sectors = list(industry.sectors.order_by("pk").values_list("pk", flat=True)[:1])
        site_sectors_set(account=account, site=site, industry_sector_ids=sectors)
        site = Site.objects.get(pk=site.pk)
        # The WordPress is the session's, and the plugin finds a post by our content id: start
        # this workspace's ids where no other test's are, so a publish here updates nothing
        # of theirs.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('writer_content', 'id'), %s)",
                [800_000 + secrets.randbelow(100_000)],
            )
    return account, site


def wp_admin_sign_in(wp: Page, wordpress) -> None:  # noqa: ANN001 (harness.WordPress)
    wp.goto(f"{wordpress.url}/wp-login.php")
    # wp-login.php focuses and selects the user field from a 200 ms timer; on a loaded machine
    # that timer can fire while the password is being typed and the password then lands in the
    # user field. Wait for the timer to have run, then check both values before submitting.
    with contextlib.suppress(PlaywrightTimeoutError):
        wp.wait_for_function(
            "document.activeElement && document.activeElement.id === 'user_login'", timeout=5000
        )
    user, password = wp.locator("#user_login"), wp.locator("#user_pass")
    for _ in range(3):
        user.fill(wordpress.admin_user)
        password.fill(wordpress.admin_password)
        if (
            user.input_value() == wordpress.admin_user
            and password.input_value() == wordpress.admin_password
        ):
            break
    wp.locator("#wp-submit").click()
    expect(wp).to_have_url(re.compile(r"/wp-admin/"))


def wp_admin_paste(wp: Page, wordpress) -> None:  # noqa: ANN001 (harness.WordPress)
    """Settings → IGNY8 Bridge: paste what IGNY8's Copy button put on the clipboard. (The
    WordPress is the session's: another test may have connected it already, and then the
    button reads "Replace and test".)"""
    wp.goto(f"{wordpress.url}/wp-admin/options-general.php?page=igny8-bridge")
    field = wp.locator("#igny8-connection-string")
    field.focus()
    wp.keyboard.press("Control+V")
    assert re.match(r"^http://\S+/api/v1/ igk_", field.input_value()), field.input_value()
    wp.get_by_role("button", name=re.compile(r"^(Connect|Replace) and test$")).click()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_connect_publish_and_follow_it_to_the_live_post(
    page: Page, hosts: Hosts, new_slug, wordpress, private_egress, media
):
    page.set_viewport_size(DESKTOP)
    slug = new_slug("publisher")
    email = f"publisher-{RUN_ID}@e2e.example"
    account, site = garden_workspace(slug, email, wordpress.url)
    ws_stub = type("Ws", (), {"schema": account.schema_name})
    title = f"Compost at home {RUN_ID}"
    article = publisher_helpers.approved_article(ws_stub, site, title, inline=2)
    later = publisher_helpers.approved_article(ws_stub, site, f"Mulch in winter {RUN_ID}", inline=0)
    problems = Problems(page)
    ws = lambda path: hosts.workspace(slug, path)  # noqa: E731

    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(ws("/"))
    expect(page.locator('[data-item="wordpress"]')).not_to_have_class(re.compile("done"))
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Publisher").click()
    expect(page).to_have_url(ws("/publisher/"))
    shot(page, "connect")

    # Connect: the key comes once, as one string with the API base, and copies in one press.
    expect(page.get_by_label("WordPress address")).to_have_value(wordpress.url)
    page.get_by_role("button", name="Make a connection key").click()
    string_field = page.get_by_role("textbox", name="Connection string")
    expect(string_field).to_be_visible()
    connection_string = string_field.input_value()
    assert connection_string.startswith(ws("/api/v1/ igk_"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == connection_string
    shot(page, "key")
    page.reload()
    expect(page.locator("[data-key-once]")).to_have_count(0)
    assert connection_string.split(" ")[1] not in page.content()

    # In wp-admin (another tab), paste it into the plugin's settings page: "Connect and test"
    # calls IGNY8 with the key (WordPress → IGNY8); then IGNY8's test calls the plugin.
    wp = page.context.new_page()
    wp_admin_sign_in(wp, wordpress)
    wp_admin_paste(wp, wordpress)
    expect(wp.locator(".notice-success")).to_contain_text("Connected: IGNY8 answered.")
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("[data-test-result]")).to_have_attribute("data-test-result", "ok")
    expect(page.get_by_text("Connected both ways")).to_be_visible()
    expect(page.locator("[data-plugin-version]")).not_to_have_text("")
    expect(page.locator("[data-wp-version]")).to_have_text(re.compile(r"^\d+\.\d+"))
    expect(page.locator("[data-post-types]")).to_contain_text("Post")
    expect(page.locator("[data-taxonomies]")).to_contain_text(re.compile("Categor"))
    shot(page, "tested")

    # Publish the approved article from the content list (ticked, then "Publish ticked now").
    page.goto(ws("/writer/content/"))
    page.get_by_label(f"Publish “{title}”").check()
    page.get_by_role("button", name="Publish ticked now").click()
    expect(page.get_by_text("Publishing 1 article.")).to_be_visible()
    with schema_context(account.schema_name):
        publication = Publication.objects.get(content=article)
        assert Content.objects.get(pk=article.pk).publishing_status == "published"
    post = wordpress.post(publication.remote_id)
    assert post is not None and post["title"] == title and post["thumbnail_id"]
    assert wordpress.posts_for_content(article.pk) == [publication.remote_id]

    # The calendar shows it published, with the live post one click away.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Publisher").click()
    page.get_by_role("navigation", name="Publisher").get_by_role("link", name="Calendar").click()
    entry = page.locator(f'[data-entry="published"][data-content="{article.pk}"]')
    expect(entry).to_contain_text(title)
    expect(entry).to_contain_text("Published")
    shot(page, "calendar")

    # The sync log has the test and the publish.
    page.get_by_role("navigation", name="Publisher").get_by_role("link", name="Sync log").click()
    expect(page.locator('tr[data-kind="publish"][data-ok="yes"]').first).to_contain_text(title)
    expect(page.locator('tr[data-kind="test"]').first).to_be_visible()
    # What the plugin sent by itself on connecting: its site structure, in the other direction.
    expect(page.locator('tr[data-kind="structure"]').first).to_contain_text("From WordPress")
    shot(page, "sync")

    page.get_by_role("navigation", name="Publisher").get_by_role("link", name="Calendar").click()
    with page.context.expect_page() as opened:
        entry.get_by_role("link", name="Live post").click()
    live = opened.value
    live.wait_for_load_state()
    assert live.url.rstrip("/") == publication.remote_url.rstrip("/")
    expect(live.locator("body")).to_contain_text(title)
    expect(live.locator("img").first).to_be_visible()
    live.close()

    # Book the second article into a free slot from the calendar, then take it off again.
    with schema_context(account.schema_name):
        PublishSchedule.objects.create(
            site=site, enabled=False, weekdays=[0, 1, 2, 3, 4, 5, 6], slots=["06:00"]
        )
    page.goto(ws("/publisher/schedule/"))
    page.get_by_label("Publish on this schedule").uncheck()
    page.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_text("Publishing schedule of Garden Blog saved")).to_be_visible()
    shot(page, "schedule")
    page.goto(ws(f"/writer/content/{later.pk}/"))
    page.get_by_role("link", name="Calendar").click()
    with schema_context(account.schema_name):
        Content.objects.filter(pk=later.pk).update(
            planned_for=Content.objects.get(pk=later.pk).created.date()
        )
    page.reload()
    planned = page.locator(f'[data-entry="planned"][data-content="{later.pk}"]')
    planned.get_by_text("Book a time").click()
    choice = planned.get_by_label("A free slot")
    first_slot = choice.locator("option").nth(1)
    choice.select_option(first_slot.get_attribute("value"))
    shot(page, "book")
    planned.get_by_role("button", name="Book it").click()
    expect(page.get_by_text(f"“Mulch in winter {RUN_ID}” publishes on")).to_be_visible()
    with schema_context(account.schema_name):
        assert Content.objects.get(pk=later.pk).publishing_status == "scheduled"
        booked_at = Publication.objects.get(content=later).publish_at
    # The article's own page says when it publishes too (the site's clock), on desk and phone.
    editor = ws(f"/writer/content/{later.pk}/")
    page.goto(editor)
    expect(page.locator("[data-publishes-at]")).to_contain_text("06:00")
    shot(page, "editor-scheduled")
    page.set_viewport_size(PHONE)
    check_layout(page, editor)
    expect(page.locator("[data-publishes-at]")).to_be_visible()
    shot(page, "editor-scheduled")
    page.set_viewport_size(DESKTOP)
    page.goto(ws(f"/publisher/calendar/?month={booked_at:%Y-%m}"))
    booked = page.locator(f'[data-entry="scheduled"][data-content="{later.pk}"]')
    expect(booked).to_contain_text("06:00")
    booked.get_by_text("Reschedule").click()
    booked.get_by_role("button", name="Take off the schedule").click()
    expect(page.get_by_text("is off the schedule")).to_be_visible()
    expect(page.locator(f'[data-entry="scheduled"][data-content="{later.pk}"]')).to_have_count(0)

    # Rotate the key (asked first): the new string is shown once, the plugin's old key is
    # refused at once, the new one works.
    page.goto(ws("/publisher/"))
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Rotate key").click()
    expect(page.get_by_text("Your new connection string")).to_be_visible()
    assert questions and questions[0].startswith("Make a new key?")
    rotated = page.get_by_role("textbox", name="Connection string").input_value()
    assert rotated != connection_string
    wp.bring_to_front()
    wp.reload()
    wp.get_by_role("button", name="Test connection").click()
    expect(wp.locator(".notice-error")).to_be_visible()  # the old key, refused
    page.bring_to_front()
    page.get_by_role("button", name="Copy").click()
    wp.bring_to_front()
    wp_admin_paste(wp, wordpress)
    expect(wp.locator(".notice-success")).to_contain_text("Connected: IGNY8 answered.")
    wp.close()
    page.bring_to_front()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Connected both ways")).to_be_visible()

    # The dashboard's checklist item is done.
    page.goto(ws("/"))
    expect(page.locator('[data-item="wordpress"]')).to_have_class(re.compile("done"))

    # Every publisher page at both sizes (the calendar as a list on the phone).
    for path in PAGES:
        page.goto(ws(path))
        shot(page, path.strip("/").replace("/", "-") or "home")
    page.set_viewport_size(PHONE)
    for path in PAGES:
        check_layout(page, ws(path))
        shot(page, path.strip("/").replace("/", "-"))
    page.goto(ws("/publisher/calendar/"))
    expect(page.locator(".cal-weekdays")).to_be_hidden()
    days = page.locator(".cal-day")
    visible = [d for d in days.all() if d.is_visible()]
    assert visible and all(d.locator(".cal-entry").count() > 0 for d in visible)
    expect(visible[0].locator(".cal-long")).to_be_visible()
    assert not problems, "\n".join(problems)
