"""The engine around any provider: credits reserved, settled on what was produced, released
exactly once on any failure; answers checked against the schema with one repair attempt;
usage recorded; progress visible on the Job row. Runs the offline writer serves are free but
recorded; a run whose save changed nothing is not charged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.billing.models import CreditLedger, LedgerKind, Reservation, ReservationStatus
from apps.workspace.models import AIUsage, Job
from igny8.ai import costs, engine
from igny8.ai.config import AIConfig
from igny8.ai.errors import InvalidInput, InvalidOutput, ProviderUnavailable
from igny8.ai.types import ProviderResult
from tests.factories import make_site

pytestmark = pytest.mark.django_db

IDEAS_INPUT = {
    "cluster": {"name": "Drain cleaning", "keywords": ["how to unclog a drain", "drain snake"]},
    "count": 2,
    "structure": "how_to",
    "content_type": "post",
}


def idea(n: int) -> dict:
    return {
        "title": f"How to unclog a drain without a plumber, part {n}",
        "content_type": "post",
        "structure": "how_to",
        "outline": [{"heading": "Gather your tools", "level": 2, "points": []}],
        "primary_keyword": "how to unclog a drain",
        "secondary_keywords": ["drain snake"],
        "estimated_words": 1200,
    }


@dataclass
class ScriptedProvider:
    """Answers from a script: each item is a text answer or an exception to raise."""

    answers: list
    name: str = "scripted"
    label: str = "Scripted test provider"
    calls: list = field(default_factory=list)

    def complete_json(self, request):
        self.calls.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return ProviderResult(
            provider=self.name, model="test-model", text=answer, tokens_in=100, tokens_out=50
        )

    complete_text = complete_json

    def generate_image(self, request):
        from io import BytesIO

        from PIL import Image

        self.calls.append(request)
        width, height = (int(n) for n in request.size.split("x"))
        out = BytesIO()
        Image.new("RGB", (width, height), "#336699").save(out, format="PNG")
        return ProviderResult(
            provider=self.name, model="img", image=out.getvalue(), image_format="png"
        )


@pytest.fixture
def site(alpha):
    return make_site(alpha.account, "Engine Site")


PAID = AIConfig(source="workspace", base_url="http://ai.example/v1", text_model="test-model")


@pytest.fixture
def provider(monkeypatch):
    """A scripted provider standing in for a real (paid) one: its runs cost credits."""
    holder = {}

    def use(*answers) -> ScriptedProvider:
        holder["p"] = ScriptedProvider(list(answers))
        real = engine.provider_for
        monkeypatch.setattr(
            engine,
            "provider_for",
            lambda config: real(config) if config.is_offline else holder["p"],
        )
        monkeypatch.setattr(costs, "in_force", lambda: PAID)
        return holder["p"]

    return use


def balance(account) -> int:
    return credits.balance_for(account).total


def run(alpha, site, key="run-1", **kwargs):
    with schema_context(alpha.schema):
        return engine.run("generate_ideas", site=site, input=IDEAS_INPUT, key=key, **kwargs)


def test_estimate_is_what_a_fixed_unit_run_charges(alpha, site, provider):
    provider(json.dumps({"ideas": [idea(1), idea(2)]}))
    before = balance(alpha.account)
    expected = engine.estimate("generate_ideas", IDEAS_INPUT)
    result = run(alpha, site)
    assert result.credits == expected == 4  # 2 ideas × 2 credits
    assert balance(alpha.account) == before - expected
    assert credits.reconcile(alpha.account).ok


def test_fewer_results_than_asked_are_charged_as_produced(alpha, site, provider):
    provider(json.dumps({"ideas": [idea(1)]}))
    before = balance(alpha.account)
    result = run(alpha, site)
    assert result.credits == 2
    assert balance(alpha.account) == before - 2


def test_a_malformed_answer_is_repaired_once(alpha, site, provider):
    scripted = provider("Sure! Here are ideas: not json", json.dumps({"ideas": [idea(1)]}))
    result = run(alpha, site)
    assert len(scripted.calls) == 2
    repair = scripted.calls[1].messages
    assert repair[-2].role == "assistant" and "not json" in repair[-2].content
    assert "not valid JSON" in repair[-1].content
    assert result.output["ideas"][0]["title"].startswith("How to unclog")
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get()
    assert (usage.status, usage.tokens_in, usage.tokens_out) == ("succeeded", 200, 100)


def test_json_in_a_markdown_fence_is_accepted(alpha, site, provider):
    provider("```json\n" + json.dumps({"ideas": [idea(1)]}) + "\n```")
    assert run(alpha, site).output["ideas"][0]["structure"] == "how_to"


def test_two_bad_answers_fail_cleanly_and_refund_everything(alpha, site, provider):
    provider(json.dumps({"ideas": [{"title": "x"}]}), "still not json")
    before = balance(alpha.account)
    with pytest.raises(InvalidOutput) as caught:
        run(alpha, site)
    # A writer reads what happened and what to do; the schema's words are for staff only.
    assert "Nothing was saved or charged" in caught.value.message
    assert "choose a larger model on the AI settings page" in caught.value.message
    assert "required property" not in caught.value.message
    assert "not valid JSON" in caught.value.detail
    assert balance(alpha.account) == before
    reservation = Reservation.objects.get(key="run-1")
    assert reservation.status == ReservationStatus.RELEASED
    refunds = CreditLedger.objects.filter(reference="run-1", kind=LedgerKind.REFUND)
    assert refunds.count() == 1
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get()
    assert usage.status == "failed" and "not in the form IGNY8 needs" in usage.error
    assert credits.reconcile(alpha.account).ok


def test_a_provider_failure_releases_the_reservation_once(alpha, site, provider):
    provider(ProviderUnavailable("The provider did not answer within 60 s."))
    before = balance(alpha.account)
    with pytest.raises(ProviderUnavailable):
        run(alpha, site)
    assert balance(alpha.account) == before
    # A second delivery of the same run cannot refund twice.
    credits.release(reservation=Reservation.objects.get(key="run-1"))
    assert balance(alpha.account) == before
    assert CreditLedger.objects.filter(reference="run-1", kind=LedgerKind.REFUND).count() == 1


def test_a_failing_save_charges_nothing_and_keeps_nothing(alpha, site, provider):
    provider(json.dumps({"ideas": [idea(1)]}))
    before = balance(alpha.account)

    def save(output, result):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        run(alpha, site, save=save)
    assert balance(alpha.account) == before
    with schema_context(alpha.schema):
        assert AIUsage.objects.get().status == "failed"


def test_bad_input_is_refused_before_any_credit_moves(alpha, site, provider):
    scripted = provider()
    before = balance(alpha.account)
    with pytest.raises(InvalidInput) as caught, schema_context(alpha.schema):
        engine.run("generate_ideas", site=site, input={**IDEAS_INPUT, "count": 50}, key="bad")
    assert "count" in caught.value.message
    assert scripted.calls == []
    assert balance(alpha.account) == before
    assert not Reservation.objects.filter(key="bad").exists()


def test_a_finished_run_cannot_be_charged_again(alpha, site, provider):
    provider(json.dumps({"ideas": [idea(1)]}), json.dumps({"ideas": [idea(1)]}))
    run(alpha, site, key="once")
    after_first = balance(alpha.account)
    with pytest.raises(Exception, match="already finished"):
        run(alpha, site, key="once")
    assert balance(alpha.account) == after_first


def test_as_a_job_progress_and_outcome_are_on_the_job_row(alpha, site, provider):
    provider(json.dumps({"ideas": [idea(1), idea(2)]}))
    with schema_context(alpha.schema):
        job = engine.enqueue("generate_ideas", site=site, input=IDEAS_INPUT, user=alpha.owner)
        job.refresh_from_db()
        assert job.status == "succeeded"
        assert job.kind == "ai"
        assert job.result["credits"] == 4
        assert job.message == "Generate ideas: done (4 credits)"
        usage = AIUsage.objects.get()
        assert usage.job_id == job.pk
        assert usage.reservation_key == f"{alpha.schema}:job:{job.pk}"


def test_a_failed_job_says_why_in_plain_words(alpha, site, provider):
    provider(ProviderUnavailable("Could not reach api.example.com."))
    with schema_context(alpha.schema):
        job = engine.enqueue("generate_ideas", site=site, input=IDEAS_INPUT, user=alpha.owner)
        job = Job.objects.get(pk=job.pk)
    assert job.status == "failed"
    assert "Could not reach api.example.com." in job.error


def test_an_image_comes_back_at_the_requested_size_and_format(alpha, site, provider):
    from io import BytesIO

    from PIL import Image

    scripted = provider()
    config = AIConfig(source="platform", base_url="http://x/v1", text_model="t", image_model="i")
    with schema_context(alpha.schema):
        result = engine.run(
            "generate_image",
            site=site,
            input={"prompt": "A tidy workshop", "size": "1200x630", "format": "webp"},
            key="img-1",
            config=config,
        )
    assert scripted.calls[0].size == "1536x1024"  # the provider's closest shape
    image = Image.open(BytesIO(result.output))
    assert (image.size, image.format, result.image_format) == ((1200, 630), "WEBP", "webp")
    assert result.credits == 5


# --- free runs and runs that change nothing -------------------------------------------------


def test_the_offline_writer_is_free_and_still_recorded(alpha, site):
    before = balance(alpha.account)
    ledger_rows = CreditLedger.objects.count()
    with schema_context(alpha.schema):
        shown = engine.price("generate_ideas", IDEAS_INPUT)
        result = engine.run("generate_ideas", site=site, input=IDEAS_INPUT, key="free-1")
        usage = AIUsage.objects.get(reservation_key="free-1")
    assert (shown.credits, shown.offline, str(shown)) == (0, True, "free with the offline writer")
    assert result.credits == 0 and result.provider == "offline"
    assert balance(alpha.account) == before
    assert CreditLedger.objects.count() == ledger_rows  # the ledger records changes only
    reservation = Reservation.objects.get(key="free-1")
    assert (reservation.status, reservation.credits, reservation.charged) == (
        ReservationStatus.SETTLED,
        0,
        0,
    )
    assert (usage.status, usage.provider, usage.credits) == ("succeeded", "offline", 0)


def test_a_free_run_needs_no_credits_at_all(alpha, site):
    from apps.planner.tests.helpers_clusters import set_credits

    set_credits(alpha.account, 0)
    with schema_context(alpha.schema):
        result = engine.run("generate_ideas", site=site, input=IDEAS_INPUT, key="free-empty")
    assert result.credits == 0 and len(result.output["ideas"]) == 2
    assert balance(alpha.account) == 0


def test_pictures_without_an_image_model_are_free_title_cards(alpha, site, provider):
    scripted = provider()
    text_only = AIConfig(source="workspace", base_url="http://ai.example/v1", text_model="t")
    data = {"prompt": "A tidy workshop", "size": "1200x630", "format": "webp"}
    before = balance(alpha.account)
    with schema_context(alpha.schema):
        shown = engine.price("generate_image", data, config=text_only)
        result = engine.run("generate_image", site=site, input=data, key="card", config=text_only)
    assert str(shown) == "free with the offline writer (offline title cards)"
    assert scripted.calls == []  # the paid provider is never asked
    assert (result.provider, result.credits) == ("offline", 0)
    assert balance(alpha.account) == before


def test_a_save_that_changed_nothing_is_not_charged(alpha, site, provider):
    provider(json.dumps({"ideas": [idea(1), idea(2)]}))
    before = balance(alpha.account)

    def save(output, result):
        result.changed = False
        return "nothing new"

    result = run(alpha, site, key="same", save=save)
    assert result.credits == 0 and result.saved == "nothing new"
    assert balance(alpha.account) == before
    assert Reservation.objects.get(key="same").status == ReservationStatus.RELEASED
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get(reservation_key="same")
    assert (usage.status, usage.credits) == ("succeeded", 0)
    assert credits.reconcile(alpha.account).ok


def test_a_run_never_takes_more_than_was_shown(alpha, site, provider):
    provider(json.dumps({"ideas": [idea(1), idea(2), idea(3), idea(4)]}))  # 4 for 2 asked
    before = balance(alpha.account)
    with schema_context(alpha.schema):
        shown = engine.estimate("generate_ideas", IDEAS_INPUT)
    result = run(alpha, site, key="more")
    assert result.credits == shown == 4
    assert before - balance(alpha.account) == shown


def test_a_provider_that_only_answers_json_still_writes_articles(alpha, site, monkeypatch):
    """Articles are asked for as plain text; a provider without that (an older plug-in) answers
    the JSON object, which is read and checked the same way."""
    from igny8.ai.providers.offline import OfflineProvider

    class JsonOnly:
        name, label = "json-only", "JSON-only test provider"

        def complete_json(self, request):
            return OfflineProvider().complete_json(request)

    monkeypatch.setattr(engine, "provider_for", lambda config: JsonOnly())
    data = {
        "title": "How to start a compost heap",
        "outline": [{"heading": "What goes in", "level": 2, "points": []}],
        "primary_keyword": "compost heap",
        "target_words": 400,
        "include_faq": True,
    }
    with schema_context(alpha.schema):
        result = engine.run("write_content", site=site, input=data, key="json-only")
    assert "<h2>What goes in</h2>" in result.output["html"]
    assert result.output["meta_title"]
