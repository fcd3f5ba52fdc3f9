"""The bell and the notifications page: each member their own, read one or all, paginated."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import Role
from apps.workspace.models import Job, Notification
from apps.workspace.notifications import notify
from tests.factories import make_member

pytestmark = pytest.mark.django_db

BELL = re.compile(
    r'<a class="bell[^"]*" href="/notifications/" aria-label="Notifications, (\d+) unread"'
    r'.*?<span class="bell-count" data-unread-count( hidden)?>([^<]*)</span>',
    re.S,
)


def bell(html: str) -> tuple[int, str] | None:
    """(the number in the label, the number shown; "" when the badge is hidden)."""
    match = BELL.search(html)
    if match is None:
        return None
    return int(match[1]), "" if match[2] else match[3]


def tell(ws, users, n: int = 1, **kwargs) -> list[Notification]:
    made = []
    with schema_context(ws.schema):
        for i in range(n):
            made += notify(
                kind=kwargs.get("kind", "run_finished"),
                title=kwargs.get("title", f"Run {i + 1} finished"),
                body=kwargs.get("body", ""),
                link=kwargs.get("link", "/writer/content/"),
                users=users,
                managers=False,
            )
    return made


def changed(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger-After-Settle", "{}"))


# --- the bell ------------------------------------------------------------------------------


def test_the_bell_shows_the_members_unread_count_on_every_page(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    assert bell(client.get("/").content.decode()) == (0, "")

    tell(alpha, [alpha.owner], 3)
    tell(alpha, [alpha.editor], 2)
    for path in ("/", "/sites/", "/notifications/"):
        assert bell(client.get(path).content.decode()) == (3, "3"), path
    assert bell(client_for(alpha.editor, alpha.host).get("/").content.decode()) == (2, "2")


def test_htmx_answers_carry_the_unread_count_beside_the_balance(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    with schema_context(alpha.schema):
        job = Job.objects.create(kind="import", label="Keywords pasted", created_by=alpha.owner)
    poll = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert changed(poll)["notifications-changed"] == {"unread": 0}
    assert "credits-changed" in changed(poll)

    tell(alpha, [alpha.owner], 2)
    poll = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert changed(poll)["notifications-changed"] == {"unread": 2}
    # A plain page load needs no header: the bell is in the page.
    assert "HX-Trigger-After-Settle" not in client.get("/").headers


def test_no_bell_off_the_workspace_or_for_outsiders(alpha, outsider, client_for):
    assert bell(client_for(alpha.owner).get("/workspaces/").content.decode()) is None
    refused = client_for(outsider, alpha.host).get("/", headers={"HX-Request": "true"})
    assert refused.status_code == 403
    assert "notifications-changed" not in changed(refused)
    assert bell(client_for(outsider, alpha.host).get("/").content.decode()) is None


# --- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.EDITOR, Role.VIEWER])
def test_every_member_sees_only_their_own(alpha, client_for, role):
    me = make_member(alpha.account, role)
    other = make_member(alpha.account, role)
    tell(alpha, [me], title="Yours to read")
    theirs = tell(alpha, [other], title="Someone else's")[0]
    client = client_for(me, alpha.host)

    page = client.get("/notifications/").content.decode()
    assert "Yours to read" in page and "Someone else" not in page
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    client.post("/notifications/read-all/")
    with schema_context(alpha.schema):
        assert Notification.objects.get(pk=theirs.pk).read_at is None
        assert not Notification.objects.filter(recipient_id=me.pk, read_at__isnull=True).exists()


def test_outsiders_get_403_everywhere(alpha, outsider, client_for):
    mine = tell(alpha, [alpha.owner])[0]
    client = client_for(outsider, alpha.host)
    assert client.get("/notifications/").status_code == 403
    assert client.get(f"/notifications/{mine.pk}/open/").status_code == 403
    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 403
    assert client.post("/notifications/read-all/").status_code == 403
    anonymous = client_for(None, alpha.host).get("/notifications/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_filter_unread_and_mark_one_read(alpha, client_for):
    first, second = tell(alpha, [alpha.editor], 2, body="Twelve articles are in review.")
    client = client_for(alpha.editor, alpha.host)

    page = client.get("/notifications/").content.decode()
    assert page.count('data-read="no"') == 2 and "Twelve articles are in review." in page
    assert "data-unread-tab>Unread (2)</a>" in page

    answer = client.post(f"/notifications/{first.pk}/read/", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert f'id="notification-{first.pk}"' in answer.content.decode()
    assert 'data-read="yes"' in answer.content.decode()
    assert changed(answer)["notifications-changed"] == {"unread": 1}

    unread = client.get("/notifications/?show=unread").content.decode()
    assert f'data-notification="{second.pk}"' in unread
    assert f'data-notification="{first.pk}"' not in unread
    assert bell(unread) == (1, "1")

    plain = client.post(
        f"/notifications/{second.pk}/read/", {"here": "/notifications/?show=unread"}
    )
    assert plain.status_code == 303 and plain["Location"] == "/notifications/?show=unread"
    empty = client.get("/notifications/?show=unread").content.decode()
    assert "Nothing unread" in empty and bell(empty) == (0, "")


def test_following_the_link_reads_it(alpha, client_for):
    (n,) = tell(alpha, [alpha.owner], link="/writer/content/?status=review")
    client = client_for(alpha.owner, alpha.host)
    assert f'href="/notifications/{n.pk}/open/"' in client.get("/notifications/").content.decode()

    followed = client.get(f"/notifications/{n.pk}/open/")
    assert followed.status_code == 303 and followed["Location"] == "/writer/content/?status=review"
    with schema_context(alpha.schema):
        assert Notification.objects.get(pk=n.pk).read_at is not None
    assert bell(client.get("/").content.decode()) == (0, "")


def test_mark_all_read(alpha, client_for):
    tell(alpha, [alpha.owner], 4)
    tell(alpha, [alpha.editor], 1)
    client = client_for(alpha.owner, alpha.host)

    answer = client.post(
        "/notifications/read-all/", {"show": "unread"}, headers={"HX-Request": "true"}
    )
    assert "Nothing unread" in answer.content.decode()
    assert "Marked 4 notifications read." in answer.content.decode()
    assert changed(answer)["notifications-changed"] == {"unread": 0}
    assert bell(client.get("/").content.decode()) == (0, "")
    assert bell(client_for(alpha.editor, alpha.host).get("/").content.decode()) == (1, "1")

    plain = client.post("/notifications/read-all/", {"here": "//evil.example/"})
    assert plain.status_code == 303 and plain["Location"] == "/notifications/"


def test_the_list_is_paginated_newest_first(alpha, client_for):
    tell(alpha, [alpha.owner], 45)
    client = client_for(alpha.owner, alpha.host)
    titles = lambda html: re.findall(r"Run (\d+) finished</a>", html)  # noqa: E731

    first = client.get("/notifications/").content.decode()
    assert titles(first) == [str(i) for i in range(45, 25, -1)]
    assert "1–20 of 45 notifications" in first and "Page 1 of 3" in first
    assert 'href="/notifications/?page=2"' in first

    last = client.get("/notifications/?page=3", headers={"HX-Request": "true"}).content.decode()
    assert titles(last) == ["5", "4", "3", "2", "1"]
    assert "<html" not in last and "41–45 of 45" in last
    assert 'href="/notifications/?page=2"' in last

    unread_two = client.get("/notifications/?show=unread&page=2").content.decode()
    assert 'href="/notifications/?show=unread&amp;page=3"' in unread_two


def test_the_empty_page_says_what_will_show_up(alpha, client_for, viewer):
    owner_page = client_for(alpha.owner, alpha.host).get("/notifications/").content.decode()
    assert "No notifications yet" in owner_page
    for words in ("run that finishes, fails or stops", "credits running low", "invitation"):
        assert words in owner_page
    viewer_page = client_for(viewer, alpha.host).get("/notifications/").content.decode()
    assert "an automation run you started that finishes, fails or stops" in viewer_page
    assert "Mark all read" not in viewer_page


def test_a_lapsed_workspace_still_reads_and_marks_its_notifications(alpha, client_for):
    from apps.billing.tests.test_plan_state import canceled

    canceled(alpha.account, period_left=-timedelta(days=1))
    (n,) = tell(alpha, [alpha.owner])
    client = client_for(alpha.owner, alpha.host)
    assert "Run 1 finished" in client.get("/notifications/").content.decode()
    assert client.post(f"/notifications/{n.pk}/read/").status_code == 303
    assert client.post("/sites/new/", {"name": "x"}).status_code == 402  # the rest is closed
    with schema_context(alpha.schema):
        assert Notification.objects.get(pk=n.pk).read_at is not None
