"""Tasks: queued from ideas (free, idempotent, with reasons for what is left out), made by hand
(validation in plain words, nothing typed is lost), edited, trashed and restored, retried; the
tasks page with its filters, and who may do what."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.planner.models import Idea, IdeaStatus
from apps.planner.tests.helpers_clusters import body, client_on, field_errors, fresh, page_text
from apps.workspace.models import Job
from apps.writer.models import Task, TaskStatus
from apps.writer.services.tasks import (
    task_create,
    tasks_from_ideas,
    tasks_restore,
    tasks_trash,
)
from apps.writer.tests.helpers_writer_tasks import (
    BULK,
    IDEAS_BULK,
    NEW,
    OUTLINE,
    TASKS,
    make_cluster_with_ideas,
    make_task,
    row_markup,
    site_fixture,  # noqa: F401  (fixture "site")
    task_rows,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def live_tasks(ws, site) -> list[Task]:
    with schema_context(ws.schema):
        return list(Task.objects.alive().filter(site=site).order_by("pk"))


# --- queue to writer -----------------------------------------------------------------------------


def test_queue_to_writer_makes_one_task_per_idea_and_queues_the_ideas(alpha, site, client_for):
    cluster, ideas = make_cluster_with_ideas(
        alpha, site, ["Pruning roses: the complete guide", "Rose pruning tools compared"]
    )
    before = credits.balance_for(alpha.account).total
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(
        IDEAS_BULK, {"action": "queue", "ids": [i.pk for i in ideas]}, follow=True
    )
    assert response.status_code == 200
    assert "Queued 2 ideas to the writer." in page_text(response)
    assert 'href="/writer/tasks/"' in body(response)  # the message links to the tasks
    tasks = live_tasks(alpha, site)
    assert [t.title for t in tasks] == [i.title for i in ideas]
    first = tasks[0]
    assert (first.idea_id, first.cluster_id, first.sector_id) == (
        ideas[0].pk,
        cluster.pk,
        ideas[0].sector_id,
    )
    assert first.outline == OUTLINE
    assert (first.structure, first.content_type, first.target_words) == ("guide", "post", 900)
    assert (first.primary_keyword, first.secondary_keywords) == ("prune roses", ["rose pruning"])
    assert first.status == TaskStatus.QUEUED
    assert all(fresh(alpha, i).status == IdeaStatus.QUEUED for i in ideas)
    assert credits.balance_for(alpha.account).total == before  # queueing is free


def test_queueing_again_changes_nothing_and_says_so(alpha, site, client_for):
    _, ideas = make_cluster_with_ideas(alpha, site, ["Pruning roses in spring, step by step"])
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(IDEAS_BULK, {"action": "queue", "ids": [ideas[0].pk]})
    again = client.post(IDEAS_BULK, {"action": "queue", "ids": [ideas[0].pk]}, follow=True)
    assert "Queued 0 ideas to the writer. 1 idea already had a task" in page_text(again)
    assert len(live_tasks(alpha, site)) == 1


def test_disabled_and_trashed_ideas_are_left_out_with_the_reason(alpha, site):
    _, (good, off, gone) = make_cluster_with_ideas(
        alpha, site, ["A good idea about roses", "A disabled idea", "A trashed idea"]
    )
    with schema_context(alpha.schema):
        Idea.objects.filter(pk=off.pk).update(disabled=True)
        Idea.objects.filter(pk=gone.pk).update(deleted_at="2026-01-01T00:00Z")
        outcome = tasks_from_ideas(site=site, ideas=[good, off, gone], user=alpha.editor)
    assert [t.idea_id for t in outcome.queued] == [good.pk]
    assert "“A disabled idea” is disabled (enable it to queue it)" in outcome.message()
    assert "“A trashed idea” is in the trash" in outcome.message()
    assert fresh(alpha, off).status == IdeaStatus.NEW
    assert fresh(alpha, gone).status == IdeaStatus.NEW


def test_the_ideas_page_offers_queue_to_writer_to_editors_only(alpha, site, viewer, client_for):
    make_cluster_with_ideas(alpha, site, ["Queue button idea"])
    editor_page = client_on(client_for, alpha.editor, alpha, site).get("/planner/ideas/")
    assert 'value="queue">Queue to writer</button>' in body(editor_page)
    viewer_client = client_on(client_for, viewer, alpha, site)
    assert "Queue to writer" not in body(viewer_client.get("/planner/ideas/"))
    refused = viewer_client.post(IDEAS_BULK, {"action": "queue", "ids": ["1"]})
    assert refused.status_code == 403
    assert live_tasks(alpha, site) == []


def test_queue_to_writer_is_the_writers_action_and_keeps_the_ideas_page(
    alpha, site, outsider, client_for
):
    """The ideas page's button posts to the writer (the planner knows no later stage); the
    answer is the same as before: back to the ideas with the filters, or an HTMX redirect."""
    _, ideas = make_cluster_with_ideas(alpha, site, ["Roses in pots, a guide"])
    client = client_on(client_for, alpha.editor, alpha, site)
    page = body(client.get("/planner/ideas/"))
    assert f'formaction="{IDEAS_BULK}" name="action" value="queue">Queue to writer' in page
    # The planner's own bulk form no longer queues anything.
    planner = client.post("/planner/ideas/bulk/", {"action": "queue", "ids": [ideas[0].pk]})
    assert planner.status_code == 400 and live_tasks(alpha, site) == []
    empty = client.post(IDEAS_BULK, {"ids": []})
    assert empty.status_code == 400
    assert "Tick the ideas first" in page_text(empty)
    done = client.post(IDEAS_BULK, {"ids": [ideas[0].pk], "query": "status=new"})
    assert (done.status_code, done["Location"]) == (303, "/planner/ideas/?status=new")
    again = client.post(IDEAS_BULK, {"ids": [ideas[0].pk]}, HTTP_HX_REQUEST="true")
    assert again["HX-Redirect"] == "/planner/ideas/"
    assert len(live_tasks(alpha, site)) == 1
    refused = client_for(outsider, alpha.host).post(IDEAS_BULK, {"ids": [ideas[0].pk]})
    assert refused.status_code == 403


# --- by hand -------------------------------------------------------------------------------------


def form_data(ws, site, **extra) -> dict:
    with schema_context(ws.schema):
        sector = site.sectors.order_by("pk").first()
    return {
        "title": "Winter rose care for beginners",
        "sector": sector.pk,
        "structure": "how_to",
        "content_type": "post",
        "primary_keyword": "winter rose care",
        "secondary_keywords": "mulch roses, rose frost\nrose frost",
        "outline": "## Why roses need winter care\n- frost damage\n## What to do\n### Mulch",
        "target_words": "",
        "brief": "Keep it friendly.",
        "prompt_override": "",
        **extra,
    }


def test_a_task_by_hand_takes_the_sites_word_count_by_default(alpha, site, client_for):
    with schema_context(alpha.schema):
        site.default_word_count = 1400
        site.save(update_fields=["default_word_count"])
    client = client_on(client_for, alpha.editor, alpha, site)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, form_data(alpha, site))
    assert response.status_code == 303
    (task,) = live_tasks(alpha, site)
    assert task.title == "Winter rose care for beginners"
    assert task.target_words == 1400
    assert task.secondary_keywords == ["mulch roses", "rose frost"]
    assert task.outline[0] == {
        "heading": "Why roses need winter care",
        "level": 2,
        "points": ["frost damage"],
    }
    assert (task.structure, task.status, task.created_by_id) == (
        "how_to",
        TaskStatus.QUEUED,
        alpha.editor.pk,
    )
    assert task.idea_id is None and task.cluster_id is None


def test_bad_input_is_explained_field_by_field_and_nothing_typed_is_lost(alpha, site, client_for):
    other = make_site(alpha.account, "Another Site", sectors=1)
    with schema_context(alpha.schema):
        foreign_sector = other.sectors.first()
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(
        NEW,
        form_data(
            alpha,
            site,
            title="",
            sector=foreign_sector.pk,
            outline="Intro without a marker",
            target_words="50",
            brief="My careful notes",
            prompt_override="Hello {% if %}\n---\nWrite it",
        ),
    )
    assert response.status_code == 400
    errors = field_errors(response)
    assert errors["title"] == "Give the task a title: the article's working headline."
    assert errors["sector"] == "Choose one of this site's sectors."
    assert errors["outline"].startswith("Line 1: start a heading with “## ”")
    assert errors["target_words"] == "Choose at least 300 words."
    assert "This prompt cannot be used" in errors["prompt_override"]
    assert "My careful notes" in body(response)
    assert "Intro without a marker" in body(response)
    assert live_tasks(alpha, site) == []


def test_the_service_refuses_a_task_without_outline_or_keyword(alpha, site):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema), pytest.raises(ValidationError) as caught:
        task_create(
            site=site,
            sector=site.sectors.first(),
            title="No outline",
            outline=[],
            primary_keyword=" ",
        )
    assert caught.value.message_dict == {
        "outline": ["An outline needs at least one “## ” heading."],
        "primary_keyword": ["Name the keyword the article targets first."],
    }


def test_editing_a_task_saves_it_and_a_viewer_only_reads(alpha, site, viewer, client_for):
    task = make_task(alpha, site)
    url = f"{TASKS}{task.pk}/"
    client = client_on(client_for, alpha.editor, alpha, site)
    saved = client.post(url, form_data(alpha, site, title="Pruning roses in early spring"))
    assert saved.status_code == 303
    assert fresh(alpha, task).title == "Pruning roses in early spring"
    viewer_client = client_on(client_for, viewer, alpha, site)
    page = viewer_client.get(url)
    assert page.status_code == 200
    assert "<form" not in body(page).split('id="content"', 1)[1].split("</main>")[0]
    assert "Why roses need winter care" in page_text(page)  # the outline, read-only
    assert viewer_client.post(url, form_data(alpha, site, title="Viewer edit")).status_code == 403
    assert fresh(alpha, task).title == "Pruning roses in early spring"


def test_a_task_being_written_cannot_be_edited(alpha, site, client_for):
    with schema_context(alpha.schema):
        job = Job.objects.create(kind="write", status="running")
    task = make_task(alpha, site, status=TaskStatus.IN_PROGRESS, job=job)
    client = client_on(client_for, alpha.editor, alpha, site)
    page = client.get(f"{TASKS}{task.pk}/")
    assert "This task is being written" in page_text(page)
    client.post(f"{TASKS}{task.pk}/", form_data(alpha, site, title="Changed while writing"))
    assert fresh(alpha, task).title == "How to prune roses in spring"


# --- the list ------------------------------------------------------------------------------------


def test_the_list_filters_by_status_sector_cluster_and_search(alpha, site, client_for):
    cluster, ideas = make_cluster_with_ideas(alpha, site, ["Roses from an idea"])
    with schema_context(alpha.schema):
        (from_idea,) = tasks_from_ideas(site=site, ideas=ideas).queued
        second_sector = site.sectors.order_by("pk")[1]
    failed = make_task(alpha, site, "Failed tomato task", status=TaskStatus.FAILED, error="x")
    other_sector = make_task(alpha, site, "Lawn care in autumn", sector=second_sector)
    client = client_on(client_for, alpha.editor, alpha, site)
    assert set(task_rows(client.get(TASKS))) == {from_idea.pk, failed.pk, other_sector.pk}
    assert set(task_rows(client.get(TASKS, {"status": "failed"}))) == {failed.pk}
    assert set(task_rows(client.get(TASKS, {"sector": second_sector.pk}))) == {other_sector.pk}
    assert set(task_rows(client.get(TASKS, {"cluster": cluster.pk}))) == {from_idea.pk}
    assert set(task_rows(client.get(TASKS, {"q": "lawn"}))) == {other_sector.pk}
    ignored = client.get(TASKS, {"status": "nonsense"})
    assert "Not applied: “nonsense” is not a status." in page_text(ignored)
    rows = client.get(TASKS, {"q": "lawn"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-rows")
    assert "<html" not in body(rows)
    assert rows["HX-Push-Url"] == "/writer/tasks/?q=lawn"


def test_an_empty_list_says_how_to_fill_it(alpha, site, client_for):
    page = client_on(client_for, alpha.editor, alpha, site).get(TASKS)
    assert "No tasks yet" in page_text(page)
    assert "Queue to writer" in page_text(page)


def test_trash_gives_the_idea_back_and_restore_queues_it_again(alpha, site, client_for):
    _, ideas = make_cluster_with_ideas(alpha, site, ["Idea that goes to the trash"])
    with schema_context(alpha.schema):
        (task,) = tasks_from_ideas(site=site, ideas=ideas).queued
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(BULK, {"action": "delete", "ids": [task.pk]}, follow=True)
    assert "Moved to the trash 1 task." in page_text(response)
    assert fresh(alpha, task).deleted_at is not None
    assert fresh(alpha, ideas[0]).status == IdeaStatus.NEW
    trash = client.get(TASKS, {"trashed": "1"})
    assert set(task_rows(trash)) == {task.pk}
    assert 'value="restore">Restore</button>' in body(trash)
    client.post(BULK, {"action": "restore", "ids": [task.pk]})
    assert fresh(alpha, task).deleted_at is None
    assert fresh(alpha, ideas[0]).status == IdeaStatus.QUEUED


def test_restore_refuses_when_the_idea_has_another_task(alpha, site):
    _, ideas = make_cluster_with_ideas(alpha, site, ["Idea queued twice"])
    with schema_context(alpha.schema):
        (first,) = tasks_from_ideas(site=site, ideas=ideas).queued
        tasks_trash(site=site, tasks=[first])
        (second,) = tasks_from_ideas(site=site, ideas=ideas).queued
        outcome = tasks_restore(site=site, tasks=[first])
    assert outcome.done == 0
    assert "its idea has another task now" in outcome.message("Restored")
    assert fresh(alpha, first).deleted_at is not None
    assert fresh(alpha, second).deleted_at is None


def test_a_task_being_written_is_not_trashed(alpha, site):
    with schema_context(alpha.schema):
        job = Job.objects.create(kind="write", status="running")
        task = make_task(alpha, site, status=TaskStatus.IN_PROGRESS, job=job)
        outcome = tasks_trash(site=site, tasks=[task])
    assert outcome.done == 0
    assert "is being written" in outcome.skipped[0]


def test_retry_failed_queues_them_again_with_the_error_cleared(alpha, site, client_for):
    failed = make_task(alpha, site, "Failed once", status=TaskStatus.FAILED, error="Boom.")
    done = make_task(alpha, site, "Written already", status=TaskStatus.COMPLETED)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(BULK, {"action": "retry", "ids": [failed.pk, done.pk]}, follow=True)
    assert "Queued again 1 task. Left out: 1 task had not failed." in page_text(response)
    again = fresh(alpha, failed)
    assert (again.status, again.error) == (TaskStatus.QUEUED, "")
    assert fresh(alpha, done).status == TaskStatus.COMPLETED


def test_bulk_without_ticks_or_with_a_bad_action_is_explained(alpha, site, client_for):
    client = client_on(client_for, alpha.editor, alpha, site)
    none = client.post(BULK, {"action": "delete"})
    assert none.status_code == 400
    assert "Tick the tasks first" in page_text(none)
    bad = client.post(BULK, {"action": "explode", "ids": ["1"]})
    assert bad.status_code == 400


# --- who may do what -----------------------------------------------------------------------------


def test_a_viewer_reads_the_list_without_any_change_button(alpha, site, viewer, client_for):
    task = make_task(alpha, site, status=TaskStatus.FAILED, error="Provider down.")
    client = client_on(client_for, viewer, alpha, site)
    page = client.get(TASKS)
    assert page.status_code == 200
    assert task.pk in task_rows(page)
    markup = body(page)
    for button in ("Write selected", "Retry failed", "Move to trash", 'name="ids"', "New task"):
        assert button not in markup
    assert "Try again" not in row_markup(page, task.pk)
    assert client.post(BULK, {"action": "delete", "ids": [task.pk]}).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(alpha, site)).status_code == 403
    assert fresh(alpha, task).deleted_at is None


def test_the_owner_sees_and_changes_every_site(alpha, site, client_for):
    task = make_task(alpha, site)
    client = client_on(client_for, alpha.owner, alpha, site)
    assert task.pk in task_rows(client.get(TASKS))
    assert client.get(f"{TASKS}{task.pk}/").status_code == 200
    client.post(BULK, {"action": "delete", "ids": [task.pk]})
    assert fresh(alpha, task).deleted_at is not None


def test_an_editor_without_the_site_gets_404_on_its_tasks(alpha, site, client_for):
    hidden = make_site(alpha.account, "Hidden Site", sectors=1)
    task = make_task(alpha, hidden)
    client = client_on(client_for, alpha.editor, alpha, site)
    assert client.get(f"{TASKS}{task.pk}/").status_code == 404
    assert task.pk not in task_rows(client.get(TASKS))
    assert client.post(BULK, {"action": "delete", "ids": [task.pk]}).status_code == 404
    assert fresh(alpha, task).deleted_at is None


def test_an_outsider_is_refused(alpha, site, outsider, client_for):
    task = make_task(alpha, site)
    client = client_for(outsider, alpha.host)
    for url in (TASKS, NEW, f"{TASKS}{task.pk}/"):
        assert client.get(url).status_code == 403
    assert client.post(BULK, {"action": "delete", "ids": [task.pk]}).status_code == 403
    assert fresh(alpha, task).deleted_at is None


def test_ids_of_another_workspace_are_not_found(alpha, beta, site, client_for):
    theirs = make_site(beta.account, "Beta Writer Site", sectors=1)
    foreign = make_task(beta, theirs, "Beta's task")
    client = client_on(client_for, alpha.editor, alpha, site)
    mine = make_task(alpha, site, "Alpha's own")
    # The same number may exist in alpha's schema; ask for one that surely does not.
    missing = max(foreign.pk, mine.pk) + 1000
    assert client.get(f"{TASKS}{missing}/").status_code == 404
    assert client.post(BULK, {"action": "delete", "ids": [missing]}).status_code == 404
    assert fresh(beta, foreign).deleted_at is None
