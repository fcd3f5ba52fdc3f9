"""The one way to run AI: validate → estimate → reserve → prompt → call → parse and check →
(one repair) → save → settle → record usage → notify.

An answer is checked against what was asked, not only its shape: an article must have enough of
the words asked for and every required part (`functions.AIFunction.check`). A failing answer
gets one repair request that names what was wrong; a second failure ends the run, refunded, with
the reason in words. Each provider call is bounded in time by the provider itself (a total
deadline over its tries, see `providers/openai_compat.py`) and by the job it runs in.

Credits are reserved before the provider is called and settled on what was actually
produced; any failure after the reservation releases it (release is idempotent, so
"exactly once" holds even if a job is delivered twice). Saving the result, settling the
credits and recording usage commit together.

The price is the one pages show (`costs.price`): 0 for runs the offline writer serves, and
never more than was reserved. A save that changed nothing sets `RunResult.changed = False`:
the hold is released and nothing is charged.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
from django.db import connection, transaction
from django.utils.module_loading import import_string

from apps.accounts.models import Account
from apps.billing import credits
from apps.billing.models import Reservation, ReservationStatus
from apps.workspace.models import AIUsage, Job, Site
from igny8 import jobs
from igny8.ai import articles, costs, functions, prompts
from igny8.ai.article_checks import Problem
from igny8.ai.config import AIConfig
from igny8.ai.context import site_context
from igny8.ai.errors import AIError, InvalidInput, InvalidOutput
from igny8.ai.providers import provider_for
from igny8.ai.types import ImageRequest, Message, ProviderResult, TextRequest

log = logging.getLogger("igny8.ai")

PHASES = [
    "Checking the request",
    "Reserving credits",
    "Writing the prompt",
    "Waiting for the AI provider",
    "Checking the answer",
    "Saving",
    "Settling credits",
]


@dataclass
class RunResult:
    function: str
    output: Any  # dict for JSON functions, bytes for images
    image_format: str
    credits: int
    provider: str
    model: str
    prompt_version: str
    prompt_source: str
    saved: Any
    usage: AIUsage
    changed: bool = True  # a save that changed nothing sets False: nothing is charged


@functools.cache
def _validator(function: str, side: str) -> jsonschema.protocols.Validator:
    """A checked, compiled validator per function and side: `jsonschema.validate` checks the
    schema itself on every call, which cost more than writing an offline article."""
    fn = functions.get(function)
    schema = fn.input_schema if side == "input" else fn.output_schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _check(function: str, side: str, data: object) -> None:
    """Raise the most relevant ValidationError, as `jsonschema.validate` would."""
    error = jsonschema.exceptions.best_match(_validator(function, side).iter_errors(data))
    if error is not None:
        raise error


def validate_input(function: str, data: dict) -> functions.AIFunction:
    fn = functions.get(function)
    try:
        _check(function, "input", data)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "input"
        raise InvalidInput(
            f"The request for “{fn.label}” is not valid ({where}: {exc.message})."
        ) from None
    return fn


def price(function: str, data: dict, *, config: AIConfig | None = None) -> costs.Price:
    """What this run will reserve with the provider in force: shown before it starts."""
    fn = validate_input(function, data)
    return costs.price(fn, fn.estimate_units(data), config=config)


def estimate(function: str, data: dict, *, config: AIConfig | None = None) -> int:
    """Credits this run will reserve (0 when the offline writer serves it)."""
    return price(function, data, config=config).credits


# Why an answer that is not in the asked shape failed, after "failed because".
_SHAPE = "the AI's answer was not in the form IGNY8 needs"


def _parse(fn: functions.AIFunction, text: str, data: dict) -> tuple[dict | None, list[Problem]]:
    """The answer as output, or (None, what is wrong with it): not the asked shape, or (for
    functions with a `check`) an article too short or missing parts."""
    if fn.answer == "article":
        parsed = articles.parse(text)
        output = fn.complete(parsed, data) if fn.complete else {"html": parsed.html}
        if articles.words_in_html(output.get("html", "")) < 5:
            return None, [Problem("it has no article text", "the AI wrote no article text")]
        # What the article lacks says more than the schema would ("html" too short).
        problems = fn.check(data, output) if fn.check else []
        if problems:
            return None, problems
    else:
        raw = (text or "").strip()
        if raw.startswith("```"):
            # Many models wrap JSON in a Markdown fence despite being asked not to.
            raw = raw.strip("`")
            raw = raw[raw.find("\n") + 1 :] if "\n" in raw else raw
            raw = raw.rsplit("```", 1)[0]
        try:
            output = json.loads(raw)
        except json.JSONDecodeError as exc:
            return None, [
                Problem(f"it is not valid JSON ({exc.msg} at character {exc.pos})", _SHAPE)
            ]
    try:
        _check(fn.name, "output", output)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        return None, [Problem(f"at {where}: {exc.message}", _SHAPE)]
    problems = fn.check(data, output) if fn.check and fn.answer != "article" else []
    return (None, problems) if problems else (output, [])


def _repair_messages(
    fn: functions.AIFunction, messages: list[Message], answer: str, problems: list[Problem]
) -> list[Message]:
    what = "; ".join(p.for_model() for p in problems)
    if fn.answer == "article":
        again = (
            "Write the whole answer again in the format asked for: the header lines, a line "
            "with ---, then the complete article."
        )
    else:
        again = (
            "Reply again with only the JSON object, exactly in the requested shape, and "
            "nothing else."
        )
    return [
        *messages,
        Message("assistant", answer[:8000]),
        Message("user", f"That answer cannot be used: {what}. {again}"),
    ]


def _unusable(fn: functions.AIFunction, problems: list[Problem]) -> InvalidOutput:
    """The failure after the repair did not help: the writer reads what was wrong in words
    (never a schema path: that is the detail, for staff) and what to do next."""
    detail = "; ".join(p.what for p in problems)
    if all(p.reason == _SHAPE for p in problems):
        said = (
            f"The AI's answer for “{fn.label}” was not in the form IGNY8 needs, even after it "
            "was asked once to fix it."
        )
    else:
        what = "the article the AI wrote" if fn.answer == "article" else "the AI's answer"
        said = (
            f"{what[:1].upper()}{what[1:]} could not be used, even after it was asked once to "
            f"fix it: {'; '.join(p.what for p in problems)}."
        )
    return InvalidOutput(
        f"{said} Nothing was saved or charged. Try again; if it keeps happening, choose a "
        "larger model on the AI settings page.",
        reason=problems[0].reason if problems else _SHAPE,
        detail=detail,
    )


def _phase(job: Job | None, index: int, extra: str = "") -> None:
    if job is not None:
        message = PHASES[index] + (f": {extra}" if extra else "") + "…"
        jobs.progress(job, done=index, total=len(PHASES), message=message)


def _account() -> Account:
    return Account.objects.get(schema_name=connection.schema_name)


def run(
    function: str,
    *,
    site: Site,
    input: dict,
    key: str,
    sector: str = "",
    prompt_override: str | None = None,
    save: Callable[[Any, RunResult], Any] | None = None,
    job: Job | None = None,
    config: AIConfig | None = None,
) -> RunResult:
    """Run one AI function for a site of the current workspace, charging its credits.

    `key` makes the credit reservation idempotent (a job's key is its Job id). `save`, when
    given, stores the output; it runs in the same transaction as the settlement.
    """
    _phase(job, 0)
    fn = validate_input(function, input)
    account = _account()
    # A text-only provider (many local servers): images come from the offline title cards.
    config = costs.serving(fn, config)
    units = fn.estimate_units(input)
    _phase(job, 1)
    reservation = credits.reserve(
        account=account,
        operation=fn.operation,
        units=units,
        key=key,
        credits=costs.price(fn, units, config=config).credits,
    )
    if reservation.status != ReservationStatus.RESERVED:
        raise AIError("This AI run already finished; start a new one.")
    provider = provider_for(config)
    started = time.monotonic()
    tokens = [0, 0]
    model = ""
    try:
        _phase(job, 2)
        prompt = prompts.render(
            function,
            input=input,
            context=site_context(site, sector=sector),
            override=prompt_override,
        )
        _phase(job, 3, provider.label)
        if fn.kind == "image":
            wanted_size = input["size"]
            result = provider.generate_image(
                ImageRequest(
                    prompt=prompt.messages[-1].content,
                    size=wanted_size if config.is_offline else _provider_size(wanted_size),
                    input=input,
                    context=site_context(site, sector=sector),
                    model=config.image_model,
                    format=input.get("format", "png"),
                )
            )
            _count(tokens, result)
            model = result.model
            output, image_format = _fit_image(result.image, wanted_size, input.get("format", "png"))
        else:
            request = TextRequest(
                function=function,
                messages=prompt.messages,
                schema=fn.output_schema,
                input=input,
                context=site_context(site, sector=sector),
                model=config.text_model,
            )
            # Articles come as plain text (any model can write it; no slow JSON mode).
            # (A provider without plain-text answers answers JSON, which is read as well.)
            ask = provider.complete_json
            if fn.answer == "article":
                ask = getattr(provider, "complete_text", provider.complete_json)
            result = ask(request)
            _count(tokens, result)
            model = result.model
            _phase(job, 4)
            output, problems = _parse(fn, result.text, input)
            if output is None:
                log.info(
                    "ai %s: answer unusable (%s); asking once more",
                    function,
                    "; ".join(p.what for p in problems),
                )
                request = dataclasses.replace(
                    request,
                    messages=_repair_messages(fn, prompt.messages, result.text, problems),
                )
                _phase(job, 4, "asking the AI once to fix its answer")
                result = ask(request)
                _count(tokens, result)
                output, problems = _parse(fn, result.text, input)
                if output is None:
                    raise _unusable(fn, problems)
            image_format = ""
        _phase(job, 5)
        with transaction.atomic():
            run_result = RunResult(
                function=function,
                output=output,
                image_format=image_format,
                credits=0,
                provider=provider.name,
                model=model,
                prompt_version=prompt.version,
                prompt_source=prompt.source,
                saved=None,
                usage=None,  # type: ignore[arg-type]
            )
            run_result.saved = save(output, run_result) if save else None
            _phase(job, 6)
            if run_result.changed:
                settled = credits.settle(
                    reservation=reservation, actual_units=fn.actual_units(input, output)
                )
            else:
                settled = credits.release(reservation=reservation)
            run_result.credits = settled.charged
            run_result.usage = _record(
                fn, provider.name, model, site, job, tokens, started, settled, status="succeeded"
            )
        return run_result
    except Exception as exc:
        released = credits.release(reservation=reservation)
        message = exc.message if isinstance(exc, AIError) else f"Unexpected error: {exc}"
        _record(fn, provider.name, model, site, job, tokens, started, released, "failed", message)
        raise


# Image APIs offer a few sizes; ask for the one closest in shape, then crop to the request.
PROVIDER_SIZES = {"1024x1024": 1.0, "1536x1024": 1.5, "1024x1536": 2 / 3}


def _provider_size(size: str) -> str:
    width, height = (int(n) for n in size.split("x"))
    ratio = width / height
    return min(PROVIDER_SIZES, key=lambda name: abs(PROVIDER_SIZES[name] - ratio))


def _fit_image(data: bytes, size: str, fmt: str) -> tuple[bytes, str]:
    """The image at exactly `size` (cover-cropped around the centre) in `fmt`."""
    from io import BytesIO

    from PIL import Image, ImageOps

    width, height = (int(n) for n in size.split("x"))
    try:
        image = Image.open(BytesIO(data))
        image.load()
    except Exception:
        raise InvalidOutput("The AI provider sent an image that cannot be read.") from None
    current = (image.format or "").lower()
    if image.size == (width, height) and current == fmt:
        return data, fmt
    if image.size != (width, height):
        image = ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.convert("RGB").save(out, format="WEBP" if fmt == "webp" else "PNG")
    return out.getvalue(), fmt


def _count(tokens: list[int], result: ProviderResult) -> None:
    tokens[0] += result.tokens_in or 0
    tokens[1] += result.tokens_out or 0


def _record(
    fn: functions.AIFunction,
    provider: str,
    model: str,
    site: Site,
    job: Job | None,
    tokens: list[int],
    started: float,
    reservation: Reservation,
    status: str,
    error: str = "",
) -> AIUsage:
    return AIUsage.objects.create(
        function=fn.name,
        provider=provider,
        model=model[:100],
        site=site,
        job=job,
        tokens_in=tokens[0],
        tokens_out=tokens[1],
        credits=reservation.charged if status == "succeeded" else 0,
        duration_ms=int((time.monotonic() - started) * 1000),
        status=status,
        error=error[:2000],
        reservation_key=reservation.key,
    )


# --- as a background job -------------------------------------------------------------------


def enqueue(
    function: str,
    *,
    site: Site,
    input: dict,
    user=None,
    label: str = "",
    save: str = "",
    sector: str = "",
    prompt_override: str | None = None,
) -> Job:
    """Queue an AI run for the current workspace. `save` is the dotted path of
    `save(output, run_result, *, site, input) -> dict` that stores what came back."""
    validate_input(function, input)
    fn = functions.get(function)
    return jobs.enqueue(
        run_ai_job,
        function,
        site.pk,
        input,
        save,
        sector,
        prompt_override,
        label=label or fn.label,
        user=user,
    )


@jobs.job(kind="ai", time_limit=900)
def run_ai_job(
    record: Job,
    function: str,
    site_id: int,
    input: dict,
    save_path: str = "",
    sector: str = "",
    prompt_override: str | None = None,
) -> dict:
    site = Site.objects.get(pk=site_id)
    saver = import_string(save_path) if save_path else None

    def save(output: Any, result: RunResult) -> Any:
        return saver(output, result, site=site, input=input) if saver else None

    result = run(
        function,
        site=site,
        input=input,
        key=f"{connection.schema_name}:job:{record.pk}",
        sector=sector,
        prompt_override=prompt_override,
        save=save,
        job=record,
    )
    fn = functions.get(function)
    spent = costs.spent_words(result.credits, offline=result.provider == "offline")
    return {
        "message": f"{fn.label}: done ({spent})",
        "credits": result.credits,
        "provider": result.provider,
        "model": result.model,
        "saved": result.saved if isinstance(result.saved, dict) else {},
    }
