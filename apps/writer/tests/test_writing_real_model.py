"""Writing against a real (small, slow, failing) OpenAI-compatible server, at the wire: an
article far shorter than asked is never saved, marked written or charged; one repair request is
made and says what was wrong; a batch stops asking a provider that keeps failing; and every
page says what happened in words, the technical detail folded away for staff."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.planner.tests.helpers_clusters import client_on, page_text
from apps.workspace.models import AIUsage, Job
from apps.writer.models import Content, TaskStatus
from apps.writer.services.writing import tasks_write_enqueue
from apps.writer.tests.helpers_writer_tasks import (
    OUTLINE,
    TASKS,
    make_task,
    site_fixture,  # noqa: F401  (fixture "site")
    task_of,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from igny8.ai.tests.fake_openai import FakeOpenAI, connect_fake_ai, ok, server_error
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TEN_WORDS = "Roses like pruning in spring. Cut above a bud."


def good_article() -> str:
    """What a model that follows the format answers: header lines, ---, Markdown."""

    def paragraphs(topic: str, n: int) -> str:
        return "\n\n".join(
            f"Paragraph {i} about {topic}: prune roses in spring for strong stems, cut just "
            f"above an outward bud, clear the dead wood and open the middle to light, air "
            f"and rain, then feed them in bed {i}."
            for i in range(n)
        )

    sections = "\n\n".join(
        f"{'#' * s['level']} {s['heading']}\n\n{paragraphs(s['heading'], 4)}" for s in OUTLINE
    )
    return (
        "Title: How to Prune Roses in Spring\n"
        "Meta title: Prune roses in spring: when and how\n"
        "Meta description: When to prune roses in spring, where to cut and which tools you "
        "need, step by step.\n"
        "Excerpt: Prune roses as the buds swell, cutting above an outward bud.\n"
        "---\n"
        f"{paragraphs('the intro', 2)}\n\n{sections}\n\n"
        "## Frequently asked questions\n\n### When should I prune?\n\nAs the buds swell."
    )


@pytest.fixture
def fake(alpha, private_egress, settings):
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 1, 0
    with FakeOpenAI() as server, schema_context(alpha.schema):
        connect_fake_ai(server.base_url, text_model="tiny-135m")
        yield server


def balance(ws) -> int:
    return credits.balance_for(ws.account).total


def write(ws, site, tasks, user=None):
    with schema_context(ws.schema):
        return tasks_write_enqueue(site=site, tasks=tasks, user=user or ws.owner)


def test_a_ten_word_article_is_never_saved_marked_written_or_charged(alpha, site, fake):
    task = make_task(alpha, site)  # 600 words asked for
    fake.always("chat", ok(TEN_WORDS))
    before = balance(alpha)

    write(alpha, site, [task])

    task = task_of(alpha, task.pk)
    assert task.status == TaskStatus.FAILED
    assert task.error == (
        "The article the AI wrote could not be used, even after it was asked once to fix it: "
        "it has 9 words and at least 300 are needed (asked for: 600); it lacks the outline's "
        "sections “Why it matters”, “Step by step” and “Tools you need”; it has no FAQ "
        "section at the end. Nothing was saved or charged. Try again; if it keeps happening, "
        "choose a larger model on the AI settings page."
    )
    assert balance(alpha) == before
    with schema_context(alpha.schema):
        assert not Content.objects.filter(task_id=task.pk).exists()
        usage = AIUsage.objects.get(function="write_content")
    assert usage.status == "failed" and usage.credits == 0
    # One repair request, which told the model what was wrong; never JSON mode for articles.
    first, repair = (c.body for c in fake.calls("chat"))
    assert "response_format" not in first and "response_format" not in repair
    assert repair["messages"][-2] == {"role": "assistant", "content": TEN_WORDS}
    assert "it has 9 words and at least 300 are needed" in repair["messages"][-1]["content"]
    asked = repair["messages"][-1]["content"]
    assert "it has no FAQ section at the end (a heading, then questions as sub-headings" in asked
    assert "the header lines, a line with ---, then the complete article" in asked


def test_a_short_article_repaired_on_the_second_request_is_kept(alpha, site, fake):
    task = make_task(alpha, site)
    fake.script("chat", [ok(TEN_WORDS), ok(good_article())])
    before = balance(alpha)

    write(alpha, site, [task])

    assert task_of(alpha, task.pk).status == TaskStatus.COMPLETED
    with schema_context(alpha.schema):
        content = Content.objects.get(task_id=task.pk)
    assert content.title == "How to Prune Roses in Spring"
    assert content.meta_title == "Prune roses in spring: when and how"
    assert "<h2>Why it matters</h2>" in content.html and "<h3>Tools you need</h3>" in content.html
    assert "Meta title" not in content.html and "---" not in content.html
    charged = before - balance(alpha)
    assert charged == credits.estimate("content_generation", content.word_count) > 0


def test_a_batch_stops_asking_a_provider_that_keeps_failing(alpha, site, fake, client_for):
    tasks = [make_task(alpha, site, f"How to prune roses, part {n}") for n in range(5)]
    fake.always("chat", server_error())
    before = balance(alpha)

    write(alpha, site, tasks)

    assert len(fake.calls("chat")) == 3, "the last two were never sent"
    errors = [task_of(alpha, t.pk).error for t in tasks]
    assert all(
        re.fullmatch(r"\S+ had a server error \(500\)\. Try again later\.", e) for e in errors[:3]
    )
    assert (
        errors[3]
        == errors[4]
        == (
            "Not sent to the AI: the 3 articles before it failed in a row because the AI provider "
            "had a server error, so this one was left alone and nothing was charged. Check the "
            "provider on the AI settings page, then try again."
        )
    )
    assert balance(alpha) == before
    page = page_text(client_on(client_for, alpha.owner, alpha, site).get(TASKS))
    assert (
        "5 tasks failed: 3 because the AI provider had a server error, 2 because it was not "
        "tried after the AI provider failed several times in a row."
    ) in page

    # The provider is back: trying again later is not held back by the earlier failures.
    fake.always("chat", ok(good_article()))
    write(alpha, site, tasks[3:])
    assert [task_of(alpha, t.pk).status for t in tasks[3:]] == [TaskStatus.COMPLETED] * 2


def test_pages_say_what_happened_and_keep_the_detail_for_staff(alpha, site, fake, client_for):
    task = make_task(alpha, site)
    fake.always("chat", ok('{"title": "x"}'))  # JSON where an article was asked for, twice
    write(alpha, site, [task])
    with schema_context(alpha.schema):
        job = Job.objects.get(kind="write")
    assert job.status == "failed"
    staff = make_user(is_staff=True)
    for user, sees_detail in ((alpha.owner, False), (staff, True)):
        client = client_on(client_for, user, alpha, site)
        for url in (f"/jobs/{job.pk}/", TASKS):
            html = client.get(url).content.decode()
            shown = re.sub(r"<details.*?</details>", "", html, flags=re.S)  # folded away
            assert "The article the AI wrote could not be used" in shown
            assert "it has no article text" in shown
            for jargon in ("igny8.", "WriteFailed", "InvalidOutput", "Traceback", "property"):
                assert jargon not in shown, (user, url, jargon)
            assert ("data-staff-detail" in html) is sees_detail, (user, url)
            if sees_detail:  # the class and the parser's words, for staff only
                assert "apps.writer.jobs.writing.WriteFailed" in html
