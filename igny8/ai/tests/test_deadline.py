"""One AI call ends by its deadline, whatever the server does: a server that never answers, one
that trickles bytes, retries and the waits between them all fit in AI_CALL_DEADLINE_SECONDS (or
in what the job has left), and the error says what really happened."""

from __future__ import annotations

import re
import socket
import time

# The openai client imports its resources on first use (about a second): done here, so that it
# does not eat into the first measured call's deadline.
import openai.resources.chat.completions  # noqa: F401
import openai.types.chat  # noqa: F401
import pytest

from igny8 import deadlines
from igny8.ai.config import AIConfig
from igny8.ai.errors import ProviderUnavailable
from igny8.ai.providers import openai_compat, retries
from igny8.ai.providers.openai_compat import OpenAICompatibleProvider
from igny8.ai.tests.fake_openai import API_KEY, FakeOpenAI, Unanswering, server_error
from igny8.ai.types import Message, TextRequest


@pytest.fixture(autouse=True)
def quick_waits(monkeypatch, private_egress):
    """Backoff and the shortest try worth starting, scaled down like the timeouts below."""
    monkeypatch.setattr(retries, "BACKOFF_START", 0.01)
    monkeypatch.setattr(retries, "MIN_TRY_SECONDS", 0.1)


def provider(base_url: str) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        AIConfig(source="workspace", base_url=base_url, api_key=API_KEY, text_model="small-1")
    )


def article_request() -> TextRequest:
    return TextRequest(
        function="write_content",
        messages=[Message("system", "You write."), Message("user", "600 words on squash.")],
        schema={},
        input={},
        context={},
    )


def call(made: OpenAICompatibleProvider) -> tuple[float, ProviderUnavailable]:
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as caught:
        made.complete_text(article_request())
    return time.monotonic() - started, caught.value


def test_a_server_that_never_answers_costs_the_deadline_and_no_more(settings):
    # Four tries of 0.4 s would take 1.6 s and more: the deadline of 1 s ends the call.
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 0.4, 3
    settings.AI_CALL_DEADLINE_SECONDS = 1.0
    with Unanswering("silent") as server:
        made = provider(server.base_url)
        elapsed, error = call(made)
        tries = server.connections
    assert 0.95 <= elapsed < 1.3
    assert tries == 3  # 0.4 s, 0.4 s, then what was left
    host = re.escape(server.base_url.split("/")[2])
    assert re.fullmatch(
        rf"{host} did not answer in time: 3 tries over 1(\.\d)? s, the most one AI call may "
        r"take \(1 s\)\. Try again later, or choose a faster model on the AI settings page\.",
        error.message,
    ), error.message
    assert error.reason == "the AI provider did not answer in time"


def test_a_server_that_trickles_bytes_is_cut_off_at_the_deadline(settings):
    # Each byte comes well within the read timeout, so only a total deadline can end this.
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 0.5, 3
    settings.AI_CALL_DEADLINE_SECONDS = 1.0
    with Unanswering("trickle") as server:
        elapsed, error = call(provider(server.base_url))
    assert 0.95 <= elapsed < 1.3
    assert re.search(r"did not answer in time: 1 try over 1(\.\d)? s", error.message)


def test_a_name_server_that_never_answers_costs_the_deadline_and_no_more(settings, monkeypatch):
    """The host name is looked up inside the call's deadline too: getaddrinfo would otherwise
    wait for the resolver's own retries, tens of seconds for each try."""
    from igny8 import egress

    def getaddrinfo(host, port, *args, **kwargs):
        time.sleep(10)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(egress.socket, "getaddrinfo", getaddrinfo)
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 0.4, 3
    settings.AI_CALL_DEADLINE_SECONDS = 1.0
    elapsed, error = call(provider("http://slow-dns.example/v1"))
    assert 0.95 <= elapsed < 1.4
    assert error.message.startswith("slow-dns.example did not answer in time: 3 tries over 1")


def test_a_job_with_less_time_left_cuts_the_call_shorter(settings):
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 5, 3
    settings.AI_CALL_DEADLINE_SECONDS = 30
    with Unanswering("silent") as server:
        made = provider(server.base_url)
        with deadlines.within(0.6):
            elapsed, error = call(made)
    assert 0.55 <= elapsed < 0.9
    assert re.search(r"1 try over 0\.\d s, all the time the job had left\.", error.message)


def test_retries_that_end_before_the_deadline_are_counted_as_they_happened(settings):
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 0.2, 2
    settings.AI_CALL_DEADLINE_SECONDS = 30
    with Unanswering("silent") as server:
        elapsed, error = call(provider(server.base_url))
        tries = server.connections
    assert tries == 3 and elapsed < 1.5
    assert "did not answer within 0.2 s after 2 retries." in error.message


def test_test_connection_makes_one_try_and_says_so(settings, monkeypatch):
    """It used to say "within 60 s after 3 retries" after one try of 15 s."""
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 60, 3
    monkeypatch.setattr(openai_compat, "TEST_TIMEOUT_SECONDS", 0.3)
    with Unanswering("silent") as server:
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable) as caught:
            provider(server.base_url).test_connection()
        elapsed = time.monotonic() - started
        tries = server.connections
    assert tries == 1 and elapsed < 1
    assert "did not answer within 0.3 s. Try again later" in caught.value.message
    # (The message names the address, whose port may contain "60": look for the words.)
    assert "retr" not in caught.value.message and "60 s" not in caught.value.message

    with FakeOpenAI() as fake:
        fake.always("chat", server_error())
        with pytest.raises(ProviderUnavailable) as caught:
            provider(fake.base_url).test_connection()
        assert len(fake.calls("chat")) == 1
    assert caught.value.message.endswith("had a server error (500). Try again later.")


def test_articles_are_asked_for_without_json_mode_and_short_answers_with_it(settings):
    with FakeOpenAI() as fake:
        made = provider(fake.base_url)
        made.complete_text(article_request())
        made.complete_json(article_request())
        text_call, json_call = (c.body for c in fake.calls("chat"))
    assert "response_format" not in text_call
    assert json_call["response_format"] == {"type": "json_object"}


def test_a_job_runs_under_a_deadline_short_of_its_time_limit(alpha):
    from django_tenants.utils import schema_context

    from igny8 import jobs
    from igny8.tests import sample_jobs

    with schema_context(alpha.schema):
        record = jobs.enqueue(sample_jobs.how_long)
    # time limit 120 s, less the margin to record the outcome and refund (12 s)
    assert 100 < record.result["remaining"] <= 108
