"""Every credit is the credit that was shown.

A first trip through every AI action a page offers — cluster (and name with the provider),
generate ideas, write, image prompts, images (panel and bulk page), a new picture, optimize —
with the offline writer, with a real provider (the wire fake, through the workspace's AI
settings) and with a text-only provider (whose pictures are free offline title cards). Each
step reads the cost off the page as a person sees it, runs the action, and requires the
ledger to have taken exactly that. A run that changes nothing takes nothing. A Free workspace
gets through its first trip offline without spending a credit.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context

from apps.accounts import provisioning
from apps.billing import credits
from apps.planner.models import Cluster, Idea, Keyword
from apps.planner.services.ideas import idea_input
from apps.planner.tests.helpers_clusters import DRAINS, ROSES, TOMATOES, add_keywords, client_on
from apps.workspace.models import Job, Site
from apps.writer.models import Content, Task
from apps.writer.services.images import prompts_input
from apps.writer.services.optimize import optimize_input
from apps.writer.services.writing import write_input
from igny8.ai.tests.fake_openai import (
    FakeOpenAI,
    bad_request,
    connect_fake_ai,
    image_b64_reply,
    ok,
    png,
)
from tests.costs.walk import HX, Walk, answer, shown_cost, text_of
from tests.factories import make_site, make_user
from tests.fixtures import Workspace

pytestmark = pytest.mark.django_db

CLUSTERS = "/planner/clusters/"
NAME = "/planner/clusters/name/"
GENERATE = "/planner/clusters/ideas/"
WRITE = "/writer/tasks/write/"
PROVIDERS = ["offline", "provider", "text-only provider"]


def panel(content: Content) -> str:
    return f"/writer/content/{content.pk}/images/"


def optimize(content: Content) -> str:
    return f"/writer/content/{content.pk}/optimize/"


@pytest.fixture(params=PROVIDERS)
def fake(request, alpha, settings):
    """None for the offline writer; else the wire fake, connected in alpha's AI settings."""
    if request.param == "offline":
        yield None
        return
    request.getfixturevalue("private_egress")
    settings.AI_TIMEOUT_SECONDS = 5
    settings.AI_MAX_RETRIES = 0
    with FakeOpenAI() as server:
        with schema_context(alpha.schema):
            connect_fake_ai(
                server.base_url, image_model="gpt-image-1" if request.param == "provider" else ""
            )
        server.kind = request.param
        yield server


@pytest.fixture
def walk(alpha, client_for) -> Walk:
    site = make_site(alpha.account, "Walk Site", sectors=1, grant=[alpha.editor])
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).update(default_word_count=600, images_per_article=2)
        site.refresh_from_db()
    add_keywords(alpha, site, DRAINS + ROSES)
    return Walk(alpha, client_on(client_for, alpha.editor, alpha, site), site)


# --- the steps, each: read the cost, run it, compare with the ledger ---------------------------


def cluster(w: Walk, fake) -> list[Cluster]:
    page = w.client.get(CLUSTERS).content.decode()
    response = w.take(
        "cluster",
        shown_cost(page, 'data-action="cluster"'),
        lambda: w.client.post(f"{CLUSTERS}run/"),
    )
    assert response.status_code == 303
    done = w.client.get(response["Location"]).content.decode()
    with schema_context(w.ws.schema):
        clusters = list(Cluster.objects.alive().filter(site=w.site).order_by("pk"))
    assert len(clusters) == 2
    if fake is None:
        assert "data-naming-offer" not in done
        return clusters
    offer = done.split("data-naming-offer", 1)[1].split("</form>", 1)[0]
    ids = re.findall(r'name="ids" value="(\d+)"', offer)
    assert sorted(int(pk) for pk in ids) == [c.pk for c in clusters]
    shown = shown_cost(done)
    assert shown > 0
    fake.script("chat", [ok(names(clusters))])
    named = w.take(
        "name clusters", shown, lambda: w.client.post(NAME, {"ids": ids, "shown": shown})
    )
    assert named.status_code == 303
    return clusters


def names(clusters: list[Cluster], word: str = "Topic") -> str:
    return json.dumps(
        {
            "clusters": [
                {
                    "id": c.pk,
                    "name": f"{word} {c.pk}",
                    "description": f"Everything readers ask about {word.lower()} {c.pk}.",
                }
                for c in clusters
            ]
        }
    )


def generate_ideas(w: Walk, fake, clusters: list[Cluster], per_cluster: int) -> list[Idea]:
    ids = [c.pk for c in clusters]
    confirm = w.client.get(GENERATE, {"ids": ids, "per_cluster": per_cluster})
    shown = shown_cost(confirm.content.decode())
    if fake is not None:
        with schema_context(w.ws.schema):
            fake.script(
                "chat",
                [
                    ok(
                        answer(
                            "generate_ideas",
                            idea_input(
                                c,
                                per_cluster=per_cluster,
                                structure=None,
                                keywords=list(c.keywords.values_list("text", flat=True)),
                            ),
                            w.site,
                        )
                    )
                    for c in clusters
                ],
            )
    data = {"ids": ids, "per_cluster": per_cluster, "structure": "", "shown": shown}
    response = w.take("generate ideas", shown, lambda: w.client.post(GENERATE, data))
    assert response.status_code == 303
    with schema_context(w.ws.schema):
        return list(Idea.objects.alive().filter(site=w.site).order_by("pk"))


def queue(w: Walk, ideas: list[Idea]) -> list[Task]:
    data = {"action": "queue", "ids": [i.pk for i in ideas]}
    w.take("queue to writer", 0, lambda: w.client.post("/writer/tasks/from-ideas/", data))
    with schema_context(w.ws.schema):
        return list(Task.objects.alive().filter(site=w.site).order_by("pk"))


def write(w: Walk, fake, tasks: list[Task], answers: dict | None = None) -> dict[int, str]:
    """Write the tasks through the confirm page; returns the answers the provider gave."""
    ids = [t.pk for t in tasks]
    confirm = w.client.get(WRITE, {"ids": ids})
    shown = shown_cost(confirm.content.decode())
    given = dict(answers or {})
    if fake is not None:
        with schema_context(w.ws.schema):
            for t in Task.objects.filter(pk__in=ids).select_related("sector").order_by("pk"):
                given.setdefault(t.pk, answer("write_content", write_input(t), w.site))
        fake.script("chat", [ok(given[pk]) for pk in sorted(ids)])
    data = {"ids": ids, "confirmed": "1", "shown": shown}
    return_ = w.take("write", shown, lambda: w.client.post(WRITE, data))
    assert return_.status_code == 303
    return given


def image_prompts(w: Walk, fake, content: Content, expect: int | None = None) -> None:
    page = w.client.get(panel(content), **HX).content.decode()
    shown = shown_cost(page, 'data-action="prompts"')
    if fake is not None:
        with schema_context(w.ws.schema):
            data = prompts_input(Content.objects.select_related("site").get(pk=content.pk))
        fake.script("chat", [ok(answer("image_prompts", data, w.site))])
    data = {"action": "prompts", "shown": shown}
    w.take(
        "image prompts",
        shown if expect is None else expect,
        lambda: w.client.post(panel(content), data, **HX),
    )


def images_in_panel(w: Walk, content: Content) -> None:
    page = w.client.get(panel(content), **HX).content.decode()
    shown = shown_cost(page, 'data-action="generate"')
    data = {"action": "generate", "shown": shown}
    w.take("generate images", shown, lambda: w.client.post(panel(content), data, **HX))


def images_in_bulk(w: Walk, content: Content) -> None:
    confirm = w.client.get("/writer/images/generate/", {"ids": [content.pk]})
    shown = shown_cost(confirm.content.decode())
    data = {"ids": [content.pk], "shown": shown}
    response = w.take(
        "generate images (bulk)", shown, lambda: w.client.post("/writer/images/generate/", data)
    )
    assert response.status_code == 303


def new_picture(w: Walk, content: Content) -> None:
    page = w.client.get(panel(content), **HX).content.decode()
    shown = shown_cost(page, 'data-action="again"')
    image = re.search(r'action="/writer/images/(\d+)/again/"', page).group(1)
    url = f"/writer/images/{image}/again/"
    w.take("new picture", shown, lambda: w.client.post(url, {"shown": shown}, **HX))


def shorten(w: Walk, content: Content) -> None:
    """Cut an article to its first two paragraphs, as a person might: the length check then
    needs writing, which only the AI step of Optimize does (and charges for)."""
    from apps.writer.services.versions import content_save

    with schema_context(w.ws.schema):
        current = Content.objects.select_related("site").get(pk=content.pk)
        paragraphs = re.findall(r"<p>.*?</p>", current.html, re.S)
        content_save(content=current, changes={"html": "".join(paragraphs[:2])})


def optimize_article(
    w: Walk,
    fake,
    content: Content,
    reply: dict | None = None,
    expect=None,
    what: str = "optimize",
):
    page = w.client.get(optimize(content))
    shown = shown_cost(page.content.decode())
    if fake is not None:
        with schema_context(w.ws.schema):
            data = optimize_input(Content.objects.select_related("site").get(pk=content.pk))
        text = json.dumps(reply) if reply else answer("optimize_content", data, w.site)
        fake.script("chat", [ok(text)])
    response = w.take(
        what,
        shown if expect is None else expect,
        lambda: w.client.post(optimize(content), {"shown": shown}),
    )
    assert response.status_code == 303
    return w.client.get(response["Location"])


def contents(w: Walk) -> list[Content]:
    with schema_context(w.ws.schema):
        return list(Content.objects.alive().filter(site=w.site).order_by("pk"))


# --- the walks ---------------------------------------------------------------------------------


def test_every_ai_action_takes_exactly_what_its_page_showed(walk, fake):
    w = walk
    clusters = cluster(w, fake)
    ideas = generate_ideas(w, fake, clusters, per_cluster=2)
    assert len(ideas) == 4
    tasks = queue(w, ideas[:2])
    write(w, fake, tasks)
    first, second = contents(w)
    # The task's own page offers writing again at the price its confirm page shows.
    again = w.client.get(f"/writer/tasks/{tasks[0].pk}/").content.decode()
    confirm = w.client.get(WRITE, {"ids": [tasks[0].pk]}).content.decode()
    assert shown_cost(again, 'href="/writer/tasks/write/') == shown_cost(confirm)
    image_prompts(w, fake, first)
    images_in_panel(w, first)
    image_prompts(w, fake, second)
    images_in_bulk(w, second)
    new_picture(w, first)
    # Cut short first, so that Optimize has writing for its AI step whatever the writer made.
    shorten(w, second)
    optimize_article(w, fake, second)

    steps = {what for what, _, _ in w.taken}
    assert {"cluster", "generate ideas", "write", "image prompts", "generate images"} <= steps
    assert {"generate images (bulk)", "new picture", "optimize"} <= steps
    usage = w.usage()
    assert all(u.status == "succeeded" for u in usage)
    # What the usage records say was charged is what the ledger took, run by run.
    assert sum(u.credits for u in usage) == sum(taken for _, _, taken in w.taken)
    paid = {what: shown for what, shown, _ in w.taken}
    if fake is None:
        assert set(paid.values()) == {0}
        assert {(u.provider, u.credits) for u in usage} == {("offline", 0)}
        assert len(usage) >= 10, "every free run is still recorded"
    else:
        assert paid["cluster"] == 0, "grouping (and the offline names) are free"
        for what in (
            "name clusters",
            "generate ideas",
            "write",
            "image prompts",
            "optimize",
        ):
            assert paid[what] > 0, what
        pictures = ("generate images", "generate images (bulk)", "new picture")
        if fake.kind == "provider":
            assert all(paid[what] > 0 for what in pictures)
            assert len(fake.calls("images")) == 3 + 3 + 1  # featured + 2 in-article, twice, + 1
        else:
            assert all(paid[what] == 0 for what in pictures), "offline title cards are free"
            assert fake.calls("images") == []


def test_a_run_that_changes_nothing_takes_nothing(walk, fake):
    w = walk
    clusters = cluster(w, fake)
    (idea,) = generate_ideas(w, fake, clusters[:1], per_cluster=1)
    (task,) = queue(w, [idea])
    given = write(w, fake, [task])
    (content,) = contents(w)
    image_prompts(w, fake, content)

    # The same article again: no new version, nothing taken, and the task says so.
    confirm = w.client.get(WRITE, {"ids": [task.pk]}).content.decode()
    shown = shown_cost(confirm)
    if fake is not None:
        assert shown > 0
        fake.script("chat", [ok(given[task.pk])])
    w.take(
        "write the same again",
        0,
        lambda: w.client.post(WRITE, {"ids": [task.pk], "confirmed": "1", "shown": shown}),
    )
    with schema_context(w.ws.schema):
        job = Task.objects.get(pk=task.pk).job
        assert content.versions.count() == 1
    assert "no new version was made" in job.message
    assert ("(nothing charged)" if fake else "(free with the offline writer)") in job.message

    # The same image prompts again.
    image_prompts(w, fake, content, expect=0)
    with schema_context(w.ws.schema):
        job = Job.objects.filter(kind="image_prompts").latest("pk")
    assert "nothing changed" in job.message

    # An optimization whose AI step gives the article back as it was (the article is cut
    # short first, so that Optimize has writing for the AI to do).
    shorten(w, content)
    with schema_context(w.ws.schema):
        current = Content.objects.get(pk=content.pk)
    same = {
        "html": current.html,
        "meta_title": current.meta_title,
        "meta_description": current.meta_description,
        "changes": [],
    }
    if fake is None:
        from igny8.ai.providers import offline

        original = offline.WRITERS["optimize_content"]
        offline.WRITERS["optimize_content"] = lambda data, context: same
    try:
        done = optimize_article(w, fake, content, reply=same, expect=0)
    finally:
        if fake is None:
            offline.WRITERS["optimize_content"] = original
    said = text_of(done.content.decode()).lower()
    assert "nothing was charged" in said or "nothing charged" in said, said

    # Names the clusters already have (a provider only: offline naming is free anyway).
    if fake is not None:
        ids = [c.pk for c in clusters]
        page = w.client.get(NAME, {"ids": ids}).content.decode()
        shown = shown_cost(page)
        assert shown > 0
        fake.script("chat", [ok(names(clusters))])  # what the first naming gave
        response = w.take(
            "name the same again", 0, lambda: w.client.post(NAME, {"ids": ids, "shown": shown})
        )
        assert "nothing changed (nothing charged)" in text_of(
            w.client.get(response["Location"]).content.decode()
        )
    assert sum(u.credits for u in w.usage()) == sum(taken for _, _, taken in w.taken)


@pytest.mark.parametrize("fake", ["provider"], indirect=True)
def test_pictures_that_fail_are_given_back_and_a_retry_takes_what_its_button_shows(walk, fake):
    """Pictures the provider refuses are refunded, and "Retry" on one of them takes exactly
    the credits its button shows (offline title cards never fail, so a provider only)."""
    w = walk
    clusters = cluster(w, fake)
    (idea,) = generate_ideas(w, fake, clusters[:1], per_cluster=1)
    (task,) = queue(w, [idea])
    write(w, fake, [task])
    (content,) = contents(w)
    image_prompts(w, fake, content)

    page = w.client.get(panel(content), **HX).content.decode()
    shown = shown_cost(page, 'data-action="generate"')
    per_image = shown // 3  # a featured image and two in the article
    refused = bad_request("Your request was rejected as a result of our safety system.")
    fake.script("images", [refused, refused, image_b64_reply(png())])
    w.take(
        "generate images, two refused",
        shown - 2 * per_image,
        lambda: w.client.post(panel(content), {"action": "generate", "shown": shown}, **HX),
    )

    page = w.client.get(panel(content), **HX).content.decode()
    retry = shown_cost(page, 'data-action="retry-one"')
    assert retry == per_image > 0
    image = re.search(r'action="/writer/images/(\d+)/retry/"', page).group(1)
    fake.script("images", [image_b64_reply(png())])
    w.take(
        "retry one picture",
        retry,
        lambda: w.client.post(f"/writer/images/{image}/retry/", {"shown": retry}, **HX),
    )

    # The last refused picture, from the panel's button, at the price it shows.
    page = w.client.get(panel(content), **HX).content.decode()
    again = shown_cost(page, 'data-action="generate"')
    assert again == per_image
    fake.script("images", [image_b64_reply(png())])
    w.take(
        "generate the last picture",
        again,
        lambda: w.client.post(panel(content), {"action": "generate", "shown": again}, **HX),
    )
    assert len(fake.calls("images")) == 5
    assert sum(u.credits for u in w.usage()) == sum(taken for _, _, taken in w.taken)


# --- a Free workspace's first trip ---------------------------------------------------------------


@pytest.fixture
def free(workspaces) -> Workspace:
    owner = make_user("owner@free-trip.test")
    account = provisioning.workspace_create(name="Free Trip", slug="free-trip", owner=owner)
    return Workspace(account, owner, owner, f"free-trip.{django_settings.IGNY8_BASE_DOMAIN}")


def test_a_free_workspace_gets_through_its_first_trip_offline(free, client_for):
    assert credits.balance_for(free.account).total == 100
    site = make_site(free.account, "First Blog", sectors=1)
    extra = [(f"{word} compost bin", 50) for word in ("best", "cheap", "small", "large")]
    add_keywords(free, site, DRAINS + ROSES + TOMATOES + extra)
    w = Walk(free, client_on(client_for, free.owner, free, site), site)
    clusters = _all_clusters(w)
    ideas = generate_ideas(w, None, clusters, per_cluster=3)
    tasks = queue(w, ideas[:3])
    write(w, None, tasks)
    for content in contents(w):
        image_prompts(w, None, content)
        images_in_panel(w, content)
    shorten(w, contents(w)[0])
    optimize_article(w, None, contents(w)[0])
    assert credits.balance_for(free.account).total == 100
    assert len(contents(w)) == 3
    with schema_context(free.schema):
        assert Keyword.objects.filter(site=site, cluster__isnull=False).exists()
    assert all(u.credits == 0 and u.status == "succeeded" for u in w.usage())


def _all_clusters(w: Walk) -> list[Cluster]:
    page = w.client.get(CLUSTERS).content.decode()
    w.take(
        "cluster",
        shown_cost(page, 'data-action="cluster"'),
        lambda: w.client.post(f"{CLUSTERS}run/"),
    )
    with schema_context(w.ws.schema):
        return list(Cluster.objects.alive().filter(site=w.site).order_by("pk"))
