"""Images end to end: prompts from the article's headings, then real picture files of the right
size and format under the workspace's prefix, charged per image with a provider (free offline
title cards without one);
one image failing at the provider (a local fake of the API) leaves the others, retry fixes it;
prompts run again never throw away a picture."""

from __future__ import annotations

import json
import re

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.planner.tests.helpers_clusters import client_on, page_text, set_credits
from apps.workspace.models import AIProviderSettings, AIUsage, Job, Site
from apps.writer.models import Image, ImageStatus
from apps.writer.services import images as services
from apps.writer.tests.helpers_images import (
    H2S,
    HX,
    actions,
    balance,
    images_of,
    make_content,
    media_fixture,  # noqa: F401  (autouse: files in a temporary MEDIA_ROOT)
    panel_url,
    per_image,
    prompts_cost,
    site_fixture,  # noqa: F401  (fixture "site")
    stored,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from igny8.ai.tests.fake_openai import FakeOpenAI, bad_request, connect_fake_ai, server_error

pytestmark = pytest.mark.django_db


def test_prompts_then_images_make_real_files_charged_per_image(alpha, site, client_for, paid_ai):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha.account)

    panel = client.get(panel_url(content), **HX)
    assert panel.status_code == 200 and "<html" not in panel.content.decode()
    assert f"Generate image prompts · {prompts_cost()} credit" in page_text(panel)
    shown = int(re.search(r'data-action="prompts" data-cost="(\d+)"', panel.content.decode())[1])
    assert shown == prompts_cost()
    assert actions(panel.content.decode()) == {"prompts"}

    response = client.post(panel_url(content), {"action": "prompts"}, **HX)
    assert response.status_code == 200
    images = images_of(alpha, content)
    assert [(i.position, i.kind, i.size, i.status) for i in images] == [
        (0, "featured", "1200x630", "pending"),
        (1, "in_article", "1024x768", "pending"),
        (2, "in_article", "1024x768", "pending"),
    ]
    assert all(i.prompt and i.alt for i in images)
    assert images[0].heading == "" and {i.heading for i in images[1:]} <= set(H2S)
    assert before - balance(alpha.account) == prompts_cost()
    # The cost of the pictures is on the button before anything is generated.
    cost = 3 * per_image()
    assert f"Generate 3 images · {cost} credits" in page_text(response)
    assert not any(i.file for i in images_of(alpha, content))

    response = client.post(panel_url(content), {"action": "generate"}, **HX)
    assert response.status_code == 200
    assert "Generating 3 images" in page_text(response)
    images = images_of(alpha, content)
    assert [i.status for i in images] == ["generated"] * 3
    for image in images:
        assert image.file.name.startswith(f"{alpha.schema}/images/{content.pk}/")
        assert re.search(r"[0-9a-f]{32}\.webp$", image.file.name), "names cannot be guessed"
        picture = stored(image)
        assert picture.format == "WEBP"
        assert f"{picture.width}x{picture.height}" == image.size
        assert not image.uploaded and image.error == ""
    assert before - balance(alpha.account) == prompts_cost() + cost
    assert credits.reconcile(alpha.account).ok
    with schema_context(alpha.schema):
        job = Job.objects.filter(kind="images").latest("pk")
    assert (job.status, job.done, job.total) == ("succeeded", 3, 3)
    assert job.message.startswith(f"Generated 3 of 3 images ({cost} credits)")
    # The panel now shows the pictures, ready, and nothing left to generate.
    text = page_text(response)
    assert "3 of 3 ready" in text and "Generate 3 images" not in text
    assert response.content.decode().count(f"/writer/images/{images[0].pk}/file/") >= 1


def test_the_prompts_follow_the_h2_headings_and_the_site_setting(alpha, site):
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        data = services.prompts_input(content)
        assert data == {
            "title": "How to compost at home",
            "headings": H2S,
            "in_article": 2,
            "primary_keyword": "compost at home",
        }
        Site.objects.filter(pk=site.pk).update(images_per_article=0)
        content.site.refresh_from_db()
        services.image_prompts_run(content=content)
        assert [i.kind for i in content.images.all()] == ["featured"]


def test_new_prompts_never_throw_away_a_picture(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(panel_url(content), {"action": "prompts"}, **HX)
    featured, first, second = images_of(alpha, content)
    with schema_context(alpha.schema):
        # The featured picture is made; the others wait (one of them failed before).
        services.images_generate(image_ids=[featured.pk], job=Job.objects.create(kind="t"))
        Image.objects.filter(pk=first.pk).update(status="failed", error="x", prompt="old")
        Image.objects.filter(pk=featured.pk).update(alt="My own alt text")
        Site.objects.filter(pk=site.pk).update(images_per_article=1)
    kept = images_of(alpha, content)[0]

    response = client.post(panel_url(content), {"action": "prompts"}, **HX)
    assert response.status_code == 200
    images = images_of(alpha, content)
    assert [i.position for i in images] == [0, 1], "the unwanted empty position is gone"
    assert images[0].file.name == kept.file.name and stored(images[0])
    assert (images[0].alt, images[0].prompt, images[0].status) == (
        "My own alt text",
        kept.prompt,
        "generated",
    )
    assert images[1].pk == first.pk
    assert (images[1].status, images[1].error) == ("pending", "")
    assert images[1].prompt != "old"
    assert "New prompts replace only the images without a picture" in page_text(response)
    assert second.pk not in {i.pk for i in images}


def test_an_unwanted_position_with_a_picture_is_kept(alpha, site):
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        services.image_prompts_run(content=content)
        last = content.images.get(position=2)
        services.images_generate(image_ids=[last.pk], job=Job.objects.create(kind="t"))
        Site.objects.filter(pk=site.pk).update(images_per_article=0)
        content.site.refresh_from_db()
        services.image_prompts_run(content=content)
        assert list(content.images.values_list("position", flat=True)) == [0, 2]


@pytest.fixture
def fake(alpha, private_egress):
    """Alpha's images come from a local server that answers like the OpenAI API."""
    with FakeOpenAI() as server:
        yield server


def use_fake(alpha, fake) -> None:
    with schema_context(alpha.schema):
        connect_fake_ai(fake.base_url, image_model="gpt-image-1")


def test_one_image_failing_leaves_the_others_and_retry_fixes_it(alpha, site, client_for, fake):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(panel_url(content), {"action": "prompts"}, **HX)  # offline prompts
    use_fake(alpha, fake)
    refused = "Your request was rejected as a result of our safety system."
    fake.script("images", [fake_ok(), bad_request(refused)])  # then the default: a picture
    before = balance(alpha.account)

    response = client.post(panel_url(content), {"action": "generate"}, **HX)
    assert response.status_code == 200
    featured, broken, last = images_of(alpha, content)
    assert [featured.status, broken.status, last.status] == ["generated", "failed", "generated"]
    assert refused in broken.error and not broken.file
    assert len(fake.calls("images")) == 3
    # The API was asked for its closest shape; the stored picture is exactly what we want.
    assert fake.calls("images")[0].body["size"] == "1536x1024"
    assert (stored(featured).size, stored(last).size) == ((1200, 630), (1024, 768))
    assert before - balance(alpha.account) == 2 * per_image(), "the failed one is refunded"
    assert credits.reconcile(alpha.account).ok
    text = page_text(response)
    assert "2 of 3 ready" in text and refused in text
    assert f"Retry · {per_image()} credits" in text
    with schema_context(alpha.schema):
        job = Job.objects.filter(kind="images").latest("pk")
    assert job.status == "succeeded"
    assert "1 of 3 images failed because the AI provider rejected the request." in job.message

    retry = client.post(f"/writer/images/{broken.pk}/retry/", **HX)
    assert retry.status_code == 200
    broken = images_of(alpha, content)[1]
    assert (broken.status, broken.error) == ("generated", "")
    assert stored(broken).size == (1024, 768)
    assert before - balance(alpha.account) == 3 * per_image()
    assert credits.reconcile(alpha.account).ok
    assert "3 of 3 ready" in page_text(retry)


def fake_ok():
    from igny8.ai.tests.fake_openai import Reply

    return Reply()


def test_every_image_failing_fails_the_job_and_charges_nothing(alpha, site, client_for, fake):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(panel_url(content), {"action": "prompts"}, **HX)
    use_fake(alpha, fake)
    fake.always("images", bad_request("Billing hard limit has been reached."))
    before = balance(alpha.account)
    response = client.post(panel_url(content), {"action": "generate"}, **HX)
    assert response.status_code == 200
    assert [i.status for i in images_of(alpha, content)] == ["failed"] * 3
    assert balance(alpha.account) == before and credits.reconcile(alpha.account).ok
    with schema_context(alpha.schema):
        job = Job.objects.filter(kind="images").latest("pk")
    assert job.status == "failed" and "Billing hard limit" in job.error
    text = page_text(response)
    assert f"Generate 3 images · {3 * per_image()} credits" in text, "all three can be retried"


def test_not_enough_credits_is_said_before_anything_runs(alpha, site, client_for, paid_ai):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(panel_url(content), {"action": "prompts"}, **HX)
    set_credits(alpha.account, 2 * per_image())
    response = client.post(panel_url(content), {"action": "generate"}, **HX)
    assert response.status_code == 402
    assert f"3 images cost {3 * per_image()} credits and the workspace has" in page_text(response)
    assert "Buy credits" in page_text(response)
    assert [i.status for i in images_of(alpha, content)] == ["pending"] * 3
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="images").exists()


def test_running_out_mid_way_stops_and_keeps_the_rest_waiting(alpha, site, paid_ai):
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        services.image_prompts_run(content=content)
    set_credits(alpha.account, per_image())
    ids = [i.pk for i in images_of(alpha, content)]
    with schema_context(alpha.schema):
        outcome = services.images_generate(image_ids=ids, job=Job.objects.create(kind="t"))
    assert outcome.generated == 1 and "credits" in outcome.stopped
    assert [i.status for i in images_of(alpha, content)] == ["generated", "failed", "pending"]
    assert balance(alpha.account) == 0 and credits.reconcile(alpha.account).ok


def test_a_job_delivered_twice_pays_once(alpha, site):
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        services.image_prompts_run(content=content)
        ids = list(content.images.values_list("pk", flat=True))
        job = Job.objects.create(kind="images")
        services.images_generate(image_ids=ids, job=job)
    after_first = balance(alpha.account)
    names = [i.file.name for i in images_of(alpha, content)]
    with schema_context(alpha.schema):
        again = services.images_generate(image_ids=ids, job=job)
    assert again.generated == 0
    assert balance(alpha.account) == after_first
    assert [i.file.name for i in images_of(alpha, content)] == names


def test_progress_polls_while_generating_and_refreshes_the_panel_when_done(alpha, site, client_for):
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        services.image_prompts_run(content=content)
        job = Job.objects.create(
            kind="images", status="running", done=1, total=3, progress=33, message="Generating…"
        )
        content.images.filter(position=0).update(status=ImageStatus.GENERATED)
        content.images.filter(position=1).update(status=ImageStatus.GENERATING, job=job)
        content.images.filter(position=2).update(job=job)
    client = client_on(client_for, alpha.owner, alpha, site)
    panel = client.get(panel_url(content), **HX)
    markup = panel.content.decode()
    assert 'hx-trigger="every 1s"' in markup and "1 of 3 images" in page_text(panel)
    assert 'data-action="generate"' not in markup, "nothing to start while a job runs"
    progress = client.get(panel_url(content), {"part": "progress"}, **HX)
    assert "1 of 3 images" in page_text(progress) and "HX-Trigger" not in progress
    assert "In article 1: Generating" in page_text(progress)
    with schema_context(alpha.schema):
        Job.objects.filter(pk=job.pk).update(status="failed")
    done = client.get(panel_url(content), {"part": "progress"}, **HX)
    assert json.loads(done["HX-Trigger"]) == {f"images-refresh-{content.pk}": None}
    assert "every 1s" not in done.content.decode()
    # The job died under the images: they can be generated again.
    assert "Generate 2 images" in page_text(client.get(panel_url(content), **HX))


def test_a_new_picture_on_request_replaces_the_old_one_only_when_it_is_made(
    alpha, site, client_for, fake, django_capture_on_commit_callbacks
):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(panel_url(content), {"action": "prompts"}, **HX)
    client.post(panel_url(content), {"action": "generate"}, **HX)
    featured = images_of(alpha, content)[0]
    panel = client.get(panel_url(content), **HX)
    assert "New picture · free with the offline writer (offline title cards)" in page_text(panel)
    use_fake(alpha, fake)
    panel = client.get(panel_url(content), **HX)
    assert f"New picture · {per_image()} credits" in page_text(panel)
    fake.script("images", [bad_request("The prompt was flagged.")])
    before = balance(alpha.account)

    response = client.post(f"/writer/images/{featured.pk}/again/", **HX)
    assert response.status_code == 200
    kept = images_of(alpha, content)[0]
    assert (kept.status, kept.file.name) == ("generated", featured.file.name)
    assert "The prompt was flagged." in kept.error and stored(kept).size == (1200, 630)
    assert "A new picture could not be made, so this one stays" in page_text(response)
    assert balance(alpha.account) == before

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/writer/images/{featured.pk}/again/", **HX)
    new = images_of(alpha, content)[0]
    assert (new.status, new.error) == ("generated", "")
    assert new.file.name != featured.file.name and stored(new).size == (1200, 630)
    from django.core.files.storage import default_storage

    assert not default_storage.exists(featured.file.name), "the old picture went"
    assert before - balance(alpha.account) == per_image()
    assert credits.reconcile(alpha.account).ok


def test_without_a_provider_prompts_and_title_cards_are_free(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha.account)
    panel = client.get(panel_url(content), **HX)
    text = page_text(panel)
    assert "Generate image prompts · free with the offline writer" in text
    assert "Then the pictures: offline title cards (the article's title on a coloured card)" in text
    response = client.post(panel_url(content), {"action": "prompts", "shown": "0"}, **HX)
    assert "Generate 3 images · free with the offline writer (offline title cards)" in page_text(
        response
    )
    client.post(panel_url(content), {"action": "generate", "shown": "0"}, **HX)
    assert [i.status for i in images_of(alpha, content)] == ["generated"] * 3
    assert balance(alpha.account) == before
    with schema_context(alpha.schema):
        job = Job.objects.filter(kind="images").latest("pk")
        usage = AIUsage.objects.filter(function="generate_image")
        assert {(u.provider, u.credits) for u in usage} == {("offline", 0)}
    assert "(offline title cards, free with the offline writer)" in job.message


def test_a_text_only_provider_still_gets_free_title_cards(alpha, site, client_for, fake):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(panel_url(content), {"action": "prompts"}, **HX)  # offline prompts
    use_fake(alpha, fake)
    with schema_context(alpha.schema):
        AIProviderSettings.objects.update(image_model="")
    panel = page_text(client.get(panel_url(content), **HX))
    assert "Generate 3 images · free with the offline writer (offline title cards)" in panel
    assert f"Write new prompts · {prompts_cost()} credit" in panel, "text runs are paid"
    before = balance(alpha.account)
    client.post(panel_url(content), {"action": "generate", "shown": "0"}, **HX)
    assert [i.status for i in images_of(alpha, content)] == ["generated"] * 3
    assert fake.calls("images") == [] and balance(alpha.account) == before


def test_prompts_that_change_nothing_are_not_charged(alpha, site, client_for, paid_ai):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(panel_url(content), {"action": "prompts"}, **HX)
    before = balance(alpha.account)
    # The same article asked again: the (deterministic) writer gives the same prompts.
    response = client.post(panel_url(content), {"action": "prompts"}, **HX)
    assert response.status_code == 200
    assert balance(alpha.account) == before
    with schema_context(alpha.schema):
        last = AIUsage.objects.filter(function="image_prompts").latest("pk")
    assert (last.status, last.credits) == ("succeeded", 0)
    assert credits.reconcile(alpha.account).ok


def test_a_provider_that_keeps_failing_stops_the_images_after_three(
    alpha, site, client_for, fake, settings
):
    settings.AI_MAX_RETRIES = 0
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).update(images_per_article=4)
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(panel_url(content), {"action": "prompts"}, **HX)  # offline prompts: 5 images
    use_fake(alpha, fake)
    fake.always("images", server_error())
    before = balance(alpha.account)

    client.post(panel_url(content), {"action": "generate"}, **HX)

    assert len(fake.calls("images")) == 3, "images 4 and 5 were never sent"
    statuses = [i.status for i in images_of(alpha, content)]
    assert statuses == ["failed"] * 3 + ["pending"] * 2  # the rest wait, as they were
    assert balance(alpha.account) == before
    with schema_context(alpha.schema):
        job = Job.objects.filter(kind="images").latest("pk")
    assert job.status == "failed"
    assert job.error.startswith(
        "3 of 5 images failed because the AI provider had a server error. Stopped because the "
        "AI provider had a server error 3 times in a row. Check the provider on the AI settings "
        "page, then start it again for the rest. 2 images were not tried; nothing was charged "
        "for them."
    )
    # Generating again tries the waiting ones and the failed ones.
    fake.always("images", None)
    client.post(panel_url(content), {"action": "generate"}, **HX)
    assert {i.status for i in images_of(alpha, content)} == {"generated"}
