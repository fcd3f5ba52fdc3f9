"""Writing tasks: the cost first, one job per task through the AI engine; the article is a draft
with version 1 and its provenance; a re-run is a new version of the same article; credits are
charged once and reconcile; running out, a provider failure and the near-duplicate guard end in
a failed task with the reason; the site's settings reach the prompt; the page follows progress."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.billing.models import Reservation, ReservationStatus
from apps.planner.models import IdeaStatus
from apps.planner.services.ideas import ideas_generate
from apps.planner.tests.helpers_clusters import (
    ROSES,
    add_cluster,
    body,
    client_on,
    fresh,
    page_text,
    set_credits,
)
from apps.workspace.models import AIUsage, Job
from apps.writer.jobs.writing import write_task
from apps.writer.models import Content, EditorialStatus, TaskStatus, VersionSource
from apps.writer.services.tasks import task_update, tasks_from_ideas, tasks_retry
from apps.writer.services.versions import content_create
from apps.writer.services.writing import task_write, tasks_write_enqueue, write_input
from apps.writer.tests.helpers_writer_tasks import (
    OUTLINE,
    TASKS,
    WRITE,
    contents_of,
    make_task,
    row_markup,
    site_fixture,  # noqa: F401  (fixture "site")
    task_of,
    task_rows,
    versions_of,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
    written_article,
)
from igny8.ai import engine, prompts
from igny8.ai.context import site_context
from igny8.ai.functions import words_in_html
from igny8.ai.tests.fake_openai import FakeOpenAI, connect_fake_ai, ok, server_error
from igny8.ai.types import ProviderResult
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def balance(ws) -> int:
    return credits.balance_for(ws.account).total


def cost_of(words: int) -> int:
    return credits.estimate("content_generation", words)


def write(ws, task, **kwargs):
    with schema_context(ws.schema):
        return task_write(task, **kwargs)


@dataclass
class CapturingProvider:
    """Answers every write with `answer` and keeps the requests (the rendered prompts)."""

    answer: dict
    name: str = "capturing"
    label: str = "Capturing test provider"
    requests: list = field(default_factory=list)

    def complete_json(self, request):
        self.requests.append(request)
        return ProviderResult(
            provider=self.name, model="test-model-1", text=json.dumps(self.answer)
        )

    complete_text = complete_json  # an article answered as the JSON object is accepted too


@pytest.fixture
def capture(monkeypatch):
    provider = CapturingProvider(written_article())
    monkeypatch.setattr(engine, "provider_for", lambda config: provider)
    return provider


# --- the cost first, then the article ------------------------------------------------------------


def test_the_cost_is_shown_before_anything_is_written(alpha, site, client_for, paid_ai):
    task = make_task(alpha, site, target_words=1500)
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha)
    confirm = client.get(WRITE, {"ids": [task.pk]})
    assert confirm.status_code == 200
    assert f"Write 1 article — {cost_of(1500)} credits." in page_text(confirm)
    # The list's "Write selected" posts the ticks without confirming: still only the cost.
    posted = client.post(WRITE, {"ids": [task.pk]})
    assert posted.status_code == 200
    assert f"Write 1 article — {cost_of(1500)} credits." in page_text(posted)
    assert balance(alpha) == before
    assert task_of(alpha, task.pk).status == TaskStatus.QUEUED
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="write").exists()


def test_after_starting_the_list_comes_back_without_its_status_filter(alpha, site, client_for):
    task = make_task(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    query = f"status=queued&sector={task.sector_id}&page=2"
    response = client.post(WRITE, {"ids": [task.pk], "confirmed": "1", "query": query})
    assert response.status_code == 303
    assert response["Location"] == f"{TASKS}?sector={task.sector_id}"


def test_writing_makes_a_draft_with_version_1_and_completes_task_and_idea(alpha, site, client_for):
    cluster = add_cluster(alpha, site, "Rose pruning", ROSES, ideas=["How to prune roses well"])
    with schema_context(alpha.schema):
        (task,) = tasks_from_ideas(site=site, ideas=cluster.ideas.all()).queued
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha)
    response = client.post(WRITE, {"ids": [task.pk], "confirmed": "1"})
    assert response.status_code == 303
    done = task_of(alpha, task.pk)
    assert (done.status, done.error) == (TaskStatus.COMPLETED, "")
    assert done.job.status == "succeeded"
    (content,) = contents_of(alpha, site)
    assert (content.task_id, content.status, content.sector_id) == (
        task.pk,
        EditorialStatus.DRAFT,
        task.sector_id,
    )
    assert (content.provider, content.model) == ("offline", "igny8-offline-1")
    assert content.prompt_version == prompts.version_of(prompts.default_template("write_content"))
    assert not content.human_edited
    assert (content.structure, content.target_words) == (task.structure, task.target_words)
    assert content.primary_keyword == task.primary_keyword
    assert content.word_count > 0
    (version,) = versions_of(alpha, content)
    assert (version.number, version.source, version.author_id) == (
        1,
        VersionSource.WRITTEN,
        alpha.editor.pk,
    )
    assert fresh(alpha, cluster.ideas.first()).status == IdeaStatus.COMPLETED
    # The offline writer is free; the run is still recorded, and the books balance.
    assert balance(alpha) == before
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get(job=done.job)
    assert (usage.status, usage.provider, usage.credits) == ("succeeded", "offline", 0)
    assert "(free with the offline writer)" in done.job.message
    assert credits.reconcile(alpha.account).ok
    # The list now links the task to its article.
    page = client.get(TASKS)
    assert f'href="/writer/content/{content.pk}/"' in row_markup(page, task.pk)
    assert "Written" in task_rows(page)[task.pk]


def test_writing_again_makes_version_2_of_the_same_article_back_in_draft(alpha, site, capture):
    task = make_task(alpha, site)
    write(alpha, task)
    (content,) = contents_of(alpha, site)
    with schema_context(alpha.schema):
        Content.objects.filter(pk=content.pk).update(status=EditorialStatus.APPROVED)
        capture.answer = written_article("How to Prune Roses in Early Spring")
        result = task_write(task)
    assert result.status == TaskStatus.COMPLETED and result.version == 2
    (again,) = contents_of(alpha, site)
    assert again.pk == content.pk
    assert again.title == "How to Prune Roses in Early Spring"
    assert again.status == EditorialStatus.DRAFT
    assert [(v.number, v.source) for v in versions_of(alpha, again)] == [
        (1, VersionSource.WRITTEN),
        (2, VersionSource.WRITTEN),
    ]
    assert versions_of(alpha, again)[1].changed == ["title"]


def test_an_edited_task_written_again_follows_the_new_settings(alpha, site):
    task = make_task(alpha, site, target_words=600)
    write(alpha, task)
    with schema_context(alpha.schema):
        task = task_update(task=task_of(alpha, task.pk), target_words=1200, structure="guide")
        task_write(task)
    (content,) = contents_of(alpha, site)
    assert (content.target_words, content.structure) == (1200, "guide")
    assert [v.number for v in versions_of(alpha, content)] == [1, 2]
    assert content.word_count > 900


def test_the_same_answer_twice_keeps_one_version_and_says_why(alpha, site, capture):
    task = make_task(alpha, site)
    write(alpha, task)
    result = write(alpha, task)
    assert result.status == TaskStatus.COMPLETED
    assert "came out the same as the current one, so no new version" in result.message
    (content,) = contents_of(alpha, site)
    assert len(versions_of(alpha, content)) == 1


def test_a_job_delivered_twice_writes_once(alpha, site, capture):
    task = make_task(alpha, site)
    with schema_context(alpha.schema):
        job = Job.objects.create(kind="write")
        type(task).objects.filter(pk=task.pk).update(job=job)
        before = balance(alpha)
        first = write_task(job, task.pk)
        charged = before - balance(alpha)
        second = write_task(job, task.pk)
    assert first["status"] == "completed" and second["message"] == "Already written."
    assert before - balance(alpha) == charged
    assert len(capture.requests) == 1


# --- when it cannot be written -------------------------------------------------------------------


def test_with_a_provider_an_article_costs_the_price_shown(alpha, site, client_for, paid_ai):
    task = make_task(alpha, site, target_words=1200)
    client = client_on(client_for, alpha.editor, alpha, site)
    assert f"Write 1 article — {cost_of(1200)} credits." in page_text(
        client.get(WRITE, {"ids": [task.pk]})
    )
    before = balance(alpha)
    response = client.post(WRITE, {"ids": [task.pk], "confirmed": "1", "shown": cost_of(1200)})
    assert response.status_code == 303
    done = task_of(alpha, task.pk)
    (content,) = contents_of(alpha, site)
    # Priced by the target, not by the words the model happened to write around it.
    assert words_in_html(content.html) != 1200
    assert before - balance(alpha) == cost_of(1200)
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get(job=done.job)
    assert (usage.provider, usage.credits) == ("stand-in", cost_of(1200))
    assert f"({cost_of(1200)} credits)" in done.job.message
    assert credits.reconcile(alpha.account).ok


def test_the_same_text_again_is_not_charged(alpha, site, paid_ai):
    task = make_task(alpha, site)
    write(alpha, task)
    before = balance(alpha)
    result = write(alpha, task)  # the stand-in writes the very same article
    assert result.status == TaskStatus.COMPLETED and result.version is None
    assert result.credits == 0 and balance(alpha) == before
    assert "no new version was made (nothing charged)" in result.message
    assert credits.reconcile(alpha.account).ok


def test_not_enough_credits_is_refused_before_any_job(alpha, site, client_for, paid_ai):
    task = make_task(alpha, site, target_words=2000)
    set_credits(alpha.account, 3)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(WRITE, {"ids": [task.pk], "confirmed": "1"})
    assert response.status_code == 402
    assert f"Writing 1 task costs {cost_of(2000)} credits and the workspace has 3." in page_text(
        response
    )
    assert task_of(alpha, task.pk).status == TaskStatus.QUEUED
    assert balance(alpha) == 3
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="write").exists()


def test_running_out_in_the_job_fails_the_task_and_charges_nothing(alpha, site, paid_ai):
    task = make_task(alpha, site, target_words=2000)
    set_credits(alpha.account, 2)
    result = write(alpha, task)
    done = task_of(alpha, task.pk)
    assert result.status == done.status == TaskStatus.FAILED
    assert done.error == (
        f"This needs {cost_of(2000)} credits and the workspace has 2. Buy a credit pack or "
        "upgrade the plan, then try again."
    )
    assert balance(alpha) == 2
    assert contents_of(alpha, site) == []
    assert credits.reconcile(alpha.account).ok


@pytest.fixture
def fake_provider(alpha, settings, private_egress):
    """Alpha's AI settings point at a local server that answers like the OpenAI API."""
    settings.AI_TIMEOUT_SECONDS = 1
    settings.AI_MAX_RETRIES = 0
    with FakeOpenAI() as server:
        with schema_context(alpha.schema):
            connect_fake_ai(server.base_url)
        yield server


def test_a_provider_failure_fails_the_task_and_retry_then_writes(alpha, site, fake_provider):
    fake_provider.always("chat", server_error())
    task = make_task(alpha, site)
    before = balance(alpha)
    with schema_context(alpha.schema):
        (job,) = tasks_write_enqueue(site=site, tasks=[task], user=alpha.editor).jobs
    failed = task_of(alpha, task.pk)
    assert failed.status == TaskStatus.FAILED
    assert re.fullmatch(r"\S+ had a server error \(500\)\. Try again later\.", failed.error)
    assert fresh(alpha, job).status == "failed"
    assert balance(alpha) == before
    with schema_context(alpha.schema):
        key = f"{alpha.schema}:job:{job.pk}"
    assert Reservation.objects.get(key=key).status == ReservationStatus.RELEASED

    with schema_context(alpha.schema):
        assert tasks_retry(site=site, tasks=[failed]).done == 1
    again = task_of(alpha, task.pk)
    assert (again.status, again.error) == (TaskStatus.QUEUED, "")
    fake_provider.always("chat", None)
    fake_provider.script("chat", [ok(json.dumps(written_article()))])
    with schema_context(alpha.schema):
        tasks_write_enqueue(site=site, tasks=[again], user=alpha.editor)
    assert task_of(alpha, task.pk).status == TaskStatus.COMPLETED
    (content,) = contents_of(alpha, site)
    assert (content.provider, content.model) == ("openai", "gpt-4o-mini")
    assert credits.reconcile(alpha.account).ok


def test_a_trashed_article_is_not_written_over(alpha, site, capture, client_for):
    task = make_task(alpha, site)
    write(alpha, task)
    with schema_context(alpha.schema):
        Content.objects.filter(task=task).update(deleted_at="2026-01-01T00:00Z")
    client = client_on(client_for, alpha.editor, alpha, site)
    confirm = client.get(WRITE, {"ids": [task.pk]})
    assert "the article of “How to prune roses in spring” is in the trash" in page_text(confirm)
    assert "None of these tasks can be written now." in page_text(confirm)


# --- the near-duplicate guard --------------------------------------------------------------------


def existing_article(ws, site, title: str) -> Content:
    with schema_context(ws.schema):
        return content_create(
            site=site,
            sector=site.sectors.first(),
            fields={"title": title, "html": "<p>Spring is the time to prune.</p>"},
        )


def test_a_near_duplicate_is_held_and_can_be_written_anyway(alpha, site, client_for):
    original = existing_article(alpha, site, "How to Prune Roses in Spring")
    task = make_task(alpha, site, "How to prune roses in spring!")
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha)
    client.post(WRITE, {"ids": [task.pk], "confirmed": "1"})
    held = task_of(alpha, task.pk)
    assert held.status == TaskStatus.FAILED
    match = re.fullmatch(
        r"Near duplicate of “How to Prune Roses in Spring” \((\d+)% alike\)\. Write it anyway\?",
        held.error,
    )
    assert match and int(match.group(1)) >= site.duplicate_threshold
    assert held.duplicate_of_id == original.pk
    assert balance(alpha) == before  # held before any credit was reserved
    row = row_markup(client.get(TASKS), task.pk)
    assert "Held" in row and "data-write-anyway" in row

    confirm = client.get(WRITE, {"ids": [task.pk], "anyway": "1"})
    assert "it will be written anyway" in page_text(confirm)
    client.post(WRITE, {"ids": [task.pk], "anyway": "1", "confirmed": "1"})
    written = task_of(alpha, task.pk)
    assert (written.status, written.allow_duplicate) == (TaskStatus.COMPLETED, True)
    assert len(contents_of(alpha, site)) == 2


def test_a_different_article_is_not_held(alpha, site):
    existing_article(alpha, site, "How to Prune Roses in Spring")
    task = make_task(alpha, site, "Tomato blight treatment that works", primary_keyword="blight")
    assert write(alpha, task).status == TaskStatus.COMPLETED


def test_titles_on_one_pattern_with_different_keywords_are_not_held(alpha, site):
    with schema_context(alpha.schema):
        content_create(
            site=site,
            sector=site.sectors.first(),
            fields={
                "title": "Bike shop near me: a complete guide",
                "html": "<p>Bikes.</p>",
                "primary_keyword": "bike shop near me",
            },
        )
    other = make_task(
        alpha, site, "Tire shop near me: a complete guide", primary_keyword="tire shop near me"
    )
    assert write(alpha, other).status == TaskStatus.COMPLETED
    same = make_task(
        alpha, site, "Bike shops near me: a complete guide", primary_keyword="bike shops near me"
    )
    held = write(alpha, same)
    assert held.status == TaskStatus.FAILED and "Near duplicate of" in held.message


def test_a_threshold_of_100_turns_the_guard_off(alpha, site):
    existing_article(alpha, site, "How to Prune Roses in Spring")
    with schema_context(alpha.schema):
        site.duplicate_threshold = 100
        site.save(update_fields=["duplicate_threshold"])
    task = make_task(alpha, site, "How to Prune Roses in Spring")
    assert write(alpha, task).status == TaskStatus.COMPLETED


def test_ideas_of_one_cluster_in_every_structure_are_all_written(alpha, site):
    """The default threshold lets the planner's sibling ideas through (7 ideas, one per
    structure, from a 3-keyword cluster: the closest siblings the offline writer makes)."""
    cluster = add_cluster(alpha, site, "Rose pruning", ROSES)
    with schema_context(alpha.schema):
        ideas_generate(site=site, cluster_ids=[cluster.pk], per_cluster=7, structure=None)
        ideas = list(cluster.ideas.all())
        assert len({i.structure for i in ideas}) == 7
        tasks = tasks_from_ideas(site=site, ideas=ideas).queued
        tasks_write_enqueue(site=site, tasks=tasks, user=alpha.editor)
    statuses = {task_of(alpha, t.pk).error or "ok" for t in tasks}
    assert statuses == {"ok"}
    assert len(contents_of(alpha, site)) == 7


# --- the prompt ----------------------------------------------------------------------------------


def test_the_sites_voice_audience_words_and_structure_reach_the_prompt(alpha, site, capture):
    with schema_context(alpha.schema):
        site.brand_voice = "VOICE-MARKER playful"
        site.audience = "AUDIENCE-MARKER retirees"
        site.extra_instructions = "EXTRA-MARKER use metric units"
        site.language = "es"
        site.save()
        sector = site.sectors.first()
    task = make_task(alpha, site, target_words=1700, structure="how_to", content_type="page")
    write(alpha, task)
    request = capture.requests[0]  # (a second one asks to repair an article too short)
    system, user = (m.content for m in request.messages)
    expected_input = {
        "title": "How to prune roses in spring",
        "outline": OUTLINE,
        "primary_keyword": "prune roses",
        "secondary_keywords": ["rose pruning", "spring garden"],
        "target_words": 1700,
        "content_type": "page",
        "include_faq": True,
        "structure": "how_to",
    }
    assert write_input(task_of(alpha, task.pk)) == expected_input
    with schema_context(alpha.schema):
        expected = prompts.render(
            "write_content",
            input=expected_input,
            context=site_context(site, sector=sector.name),
        )
    assert [m.content for m in expected.messages] == [system, user]
    for marker in ("VOICE-MARKER playful", "AUDIENCE-MARKER retirees", "EXTRA-MARKER", "Spanish"):
        assert marker in system
    assert "about 1700 words" in user
    assert "Structure: how_to, that is" in user
    assert "content type: page" in user
    assert "Secondary keywords: rose pruning, spring garden" in user
    assert "### Tools you need: cover a sharp pair of secateurs" in user
    assert "End with an FAQ section" in user


def test_the_tasks_brief_reaches_the_prompt_and_no_brief_adds_nothing(alpha, site, capture):
    briefed = make_task(alpha, site, brief="BRIEF-MARKER mention the frost dates for zone 6")
    plain = make_task(alpha, site, "Rose pruning tools compared", primary_keyword="rose tools")
    write(alpha, briefed)
    write(alpha, plain)
    with_brief, without = (r.messages[-1].content for r in capture.requests)
    assert "Notes from the editor for this article" in with_brief
    assert "BRIEF-MARKER mention the frost dates for zone 6" in with_brief
    assert "Notes from the editor" not in without and "BRIEF-MARKER" not in without


def test_a_listicle_gets_no_faq_and_the_tasks_own_prompt_is_used(alpha, site, capture):
    override = "You write for TASK-PROMPT-MARKER.\n---\nWrite {{ input.title }} in JSON."
    task = make_task(alpha, site, structure="listicle", prompt_override=override)
    write(alpha, task)
    request = capture.requests[0]  # (a second one asks to repair an article too short)
    assert write_input(task)["include_faq"] is False
    assert request.messages[0].content == "You write for TASK-PROMPT-MARKER."
    assert request.messages[1].content == "Write How to prune roses in spring in JSON."
    (content,) = contents_of(alpha, site)
    assert content.prompt_version == prompts.version_of(override)


# --- the page follows progress -------------------------------------------------------------------


def test_the_rows_poll_while_a_task_is_written_and_stop_after(alpha, site, client_for):
    with schema_context(alpha.schema):
        job = Job.objects.create(
            kind="write", status="running", progress=42, message="Waiting for the AI provider…"
        )
    task = make_task(alpha, site, status=TaskStatus.IN_PROGRESS, job=job)
    client = client_on(client_for, alpha.editor, alpha, site)
    page = client.get(TASKS)
    assert 'hx-trigger="every 2s"' in body(page)
    row = row_markup(page, task.pk)
    assert 'aria-valuenow="42"' in row and "Waiting for the AI provider…" in row
    poll = client.get(
        TASKS, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-rows", HTTP_HX_TRIGGER="task-rows"
    )
    assert "<html" not in body(poll) and "HX-Push-Url" not in poll
    with schema_context(alpha.schema):
        Job.objects.filter(pk=job.pk).update(status="succeeded", progress=100)
        type(task).objects.filter(pk=task.pk).update(status=TaskStatus.COMPLETED)
    done = client.get(
        TASKS, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-rows", HTTP_HX_TRIGGER="task-rows"
    )
    assert "every 2s" not in body(done)
    assert "Written" in task_rows(done)[task.pk]


# --- who may write -------------------------------------------------------------------------------


def test_viewers_outsiders_and_editors_without_the_site_cannot_write(
    alpha, site, viewer, outsider, client_for
):
    task = make_task(alpha, site)
    viewer_client = client_on(client_for, viewer, alpha, site)
    assert viewer_client.get(WRITE, {"ids": [task.pk]}).status_code == 403
    assert viewer_client.post(WRITE, {"ids": [task.pk], "confirmed": "1"}).status_code == 403
    outsider_client = client_for(outsider, alpha.host)
    assert outsider_client.post(WRITE, {"ids": [task.pk], "confirmed": "1"}).status_code == 403
    hidden = make_site(alpha.account, "Hidden Writer Site", sectors=1)
    hidden_task = make_task(alpha, hidden)
    editor = client_on(client_for, alpha.editor, alpha, site)
    assert editor.post(WRITE, {"ids": [hidden_task.pk], "confirmed": "1"}).status_code == 404
    assert editor.get(WRITE).status_code == 400  # nothing ticked: said in plain words
    for t in (task, hidden_task):
        assert task_of(alpha, t.pk).status == TaskStatus.QUEUED
    owner = client_on(client_for, alpha.owner, alpha, site)
    assert owner.post(WRITE, {"ids": [task.pk], "confirmed": "1"}).status_code == 303
    assert task_of(alpha, task.pk).status == TaskStatus.COMPLETED
