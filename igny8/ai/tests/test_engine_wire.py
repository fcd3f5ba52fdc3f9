"""The engine with the real `openai` client against a local server that answers like the API:
retries, repairs or fails cleanly — and the credits always end right."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.billing.models import Reservation, ReservationStatus
from apps.workspace.models import AIUsage
from igny8.ai import engine
from igny8.ai.errors import (
    InvalidOutput,
    ProviderAuthError,
    ProviderModelNotFound,
    ProviderUnavailable,
)
from igny8.ai.tests.fake_openai import (
    API_KEY,
    FakeOpenAI,
    connect_fake_ai,
    image_b64_reply,
    model_not_found,
    ok,
    png,
    rate_limited,
    server_error,
    slow,
    unauthorized,
)
from tests.factories import make_site

pytestmark = pytest.mark.django_db

CLUSTERS_INPUT = {
    "sector": "Plumbing",
    "clusters": [
        {"id": 1, "keywords": [{"text": "drain cleaning", "volume": 900}]},
        {"id": 2, "keywords": [{"text": "water heater repair", "volume": 700}]},
    ],
}
NAMED = json.dumps(
    {
        "clusters": [
            {"id": 1, "name": "Drain cleaning", "description": "Clearing blocked drains at home."},
            {"id": 2, "name": "Water heaters", "description": "Fixing and replacing heaters."},
        ]
    }
)


@pytest.fixture(autouse=True)
def fast_ai(settings):
    settings.AI_TIMEOUT_SECONDS = 1
    settings.AI_MAX_RETRIES = 2


@pytest.fixture
def fake(private_egress):
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def workspace(alpha, fake):
    """Alpha points at the fake provider through its own (encrypted) settings."""
    with schema_context(alpha.schema):
        connect_fake_ai(fake.base_url, image_model="gpt-image-1")
    alpha.site = make_site(alpha.account, "Wire Site")
    return alpha


def name_clusters(ws, key="wire"):
    with schema_context(ws.schema):
        return engine.run("name_clusters", site=ws.site, input=CLUSTERS_INPUT, key=key)


def total(ws) -> int:
    return credits.balance_for(ws.account).total


def assert_refunded(ws, before: int, key: str = "wire") -> None:
    assert total(ws) == before
    assert Reservation.objects.get(key=key).status == ReservationStatus.RELEASED
    assert credits.reconcile(ws.account).ok
    with schema_context(ws.schema):
        assert AIUsage.objects.get(reservation_key=key).status == "failed"


def test_a_good_answer_is_saved_and_charged(workspace, fake):
    fake.script("chat", [ok(NAMED)])
    before = total(workspace)
    result = name_clusters(workspace)
    assert [c["name"] for c in result.output["clusters"]] == ["Drain cleaning", "Water heaters"]
    assert result.credits == 2 == before - total(workspace)
    body = fake.calls("chat")[0].body
    assert body["model"] == "gpt-4o-mini"
    assert "drain cleaning" in body["messages"][-1]["content"]
    with schema_context(workspace.schema):
        usage = AIUsage.objects.get()
    assert (usage.provider, usage.status, usage.credits) == ("openai", "succeeded", 2)
    assert usage.tokens_in > 0 and usage.tokens_out > 0


def test_rate_limited_then_answers_is_retried_and_charged_once(workspace, fake):
    fake.script("chat", [rate_limited(), ok(NAMED)])
    before = total(workspace)
    result = name_clusters(workspace)
    assert len(fake.calls("chat")) == 2
    assert before - total(workspace) == result.credits == 2


def test_a_server_that_keeps_failing_ends_in_a_clean_refund(workspace, fake):
    fake.always("chat", server_error())
    before = total(workspace)
    with pytest.raises(ProviderUnavailable):
        name_clusters(workspace)
    assert len(fake.calls("chat")) == 3  # the first try and two bounded retries
    assert_refunded(workspace, before)


def test_a_provider_that_times_out_is_refunded(workspace, fake):
    fake.always("chat", slow(3))
    before = total(workspace)
    with pytest.raises(ProviderUnavailable) as caught:
        name_clusters(workspace)
    assert "did not answer" in caught.value.message
    assert_refunded(workspace, before)


def test_malformed_json_is_repaired_with_a_second_request(workspace, fake):
    fake.script("chat", [ok("Here you go: {clusters: oops"), ok(NAMED)])
    before = total(workspace)
    result = name_clusters(workspace)
    second = fake.calls("chat")[1].body["messages"]
    assert second[-2]["role"] == "assistant"
    assert "not valid JSON" in second[-1]["content"]
    assert before - total(workspace) == result.credits == 2


def test_malformed_twice_fails_cleanly(workspace, fake):
    fake.script("chat", [ok("nope"), ok(json.dumps({"clusters": [{"id": 1}]}))])
    before = total(workspace)
    with pytest.raises(InvalidOutput):
        name_clusters(workspace)
    assert_refunded(workspace, before)


def test_a_bad_key_fails_in_plain_words_without_the_key(workspace, fake):
    fake.always("chat", unauthorized())
    before = total(workspace)
    with pytest.raises(ProviderAuthError) as caught:
        name_clusters(workspace)
    assert "API key" in caught.value.message and API_KEY not in caught.value.message
    assert len(fake.calls("chat")) == 1  # a refused key is not retried
    assert_refunded(workspace, before)


def test_an_unknown_model_fails_in_plain_words(workspace, fake):
    fake.always("chat", model_not_found("gpt-4o-mini"))
    before = total(workspace)
    with pytest.raises(ProviderModelNotFound) as caught:
        name_clusters(workspace)
    assert "gpt-4o-mini" in caught.value.message
    assert_refunded(workspace, before)


def test_an_image_from_the_api_is_fitted_and_charged_per_image(workspace, fake):
    fake.script("images", [image_b64_reply(png(1536, 1024))])
    before = total(workspace)
    with schema_context(workspace.schema):
        result = engine.run(
            "generate_image",
            site=workspace.site,
            input={"prompt": "A tidy workshop", "size": "1200x630"},
            key="img",
        )
    assert fake.calls("images")[0].body["size"] == "1536x1024"
    assert result.image_format == "png" and result.output[:4] == b"\x89PNG"
    assert before - total(workspace) == result.credits == 5


def test_embeddings_come_back_one_per_text(workspace, fake):
    from igny8.ai.config import workspace_config
    from igny8.ai.providers import provider_for

    with schema_context(workspace.schema):
        config = workspace_config()
    config = type(config)(**{**config.__dict__, "embedding_model": "text-embedding-3-small"})
    vectors = provider_for(config).embed(["drain cleaning", "water heater"]).embeddings
    assert len(vectors) == 2 and len(vectors[0]) > 0
    assert fake.calls("embeddings")[0].body["input"] == ["drain cleaning", "water heater"]
