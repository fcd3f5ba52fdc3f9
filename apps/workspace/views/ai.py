"""The workspace's AI provider page: what is in force, the form, "test connection", recent runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.accounts.models import Role
from apps.workspace.forms.ai import AIProviderForm
from apps.workspace.models import AIProviderSettings, AIUsage
from apps.workspace.services.ai_settings import (
    ConnectionResult,
    ai_config_for_test,
    ai_config_saved,
    ai_connection_test,
    ai_settings_clear,
    ai_settings_get,
    ai_settings_save,
    provider_in_force,
)
from igny8.ai.functions import FUNCTIONS
from igny8.form_fields import errors_onto
from igny8.http import redirect, render_page
from igny8.roles import require_role

TEMPLATE = "workspace/ai_settings.html"
RECENT_RUNS = 50
PROVIDER_LABELS = {"offline": "Offline writer", "openai": "OpenAI-compatible"}


@dataclass(frozen=True)
class RunRow:
    usage: AIUsage
    function_label: str
    provider_label: str
    duration: str


def _duration(ms: int) -> str:
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def _recent_runs() -> list[RunRow]:
    rows = AIUsage.objects.select_related("site").order_by("-created", "-pk")[:RECENT_RUNS]
    return [
        RunRow(
            usage=u,
            function_label=FUNCTIONS[u.function].label if u.function in FUNCTIONS else u.function,
            provider_label=PROVIDER_LABELS.get(u.provider, u.provider),
            duration=_duration(u.duration_ms),
        )
        for u in rows
    ]


def _form(data, own: AIProviderSettings | None) -> AIProviderForm:
    initial = {"enabled": True}
    if own is not None:
        initial = {
            "enabled": own.enabled,
            "base_url": own.base_url,
            "text_model": own.text_model,
            "image_model": own.image_model,
            "embedding_model": own.embedding_model,
        }
    stored_hint = own.api_key_hint if own is not None and own.api_key_encrypted else None
    return AIProviderForm(data, initial=initial, stored_hint=stored_hint)


def _page(
    request: HttpRequest,
    form: AIProviderForm,
    own: AIProviderSettings | None,
    *,
    result: ConnectionResult | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "own": own,
        "in_force": provider_in_force(own),
        # What "use the platform default instead" leads to.
        "fallback": provider_in_force(None),
        "result": result,
        "runs": _recent_runs(),
    }
    return render_page(request, TEMPLATE, context, status=status)


def _fallback_words() -> str:
    """What runs when the workspace has no provider of its own, in words."""
    offline = provider_in_force(None).source == "offline"
    return "the offline writer" if offline else "the platform default"


@sensitive_post_parameters("api_key")
@require_role(Role.ADMIN)
def ai_settings(request: HttpRequest) -> HttpResponse:
    own = ai_settings_get()
    if request.method == "POST" and request.POST.get("action") == "remove":
        ai_settings_clear()
        messages.success(
            request, f"Your own provider was removed; {_fallback_words()} is in force."
        )
        return redirect(request, reverse("workspace:ai_settings"))
    form = _form(request.POST if request.method == "POST" else None, own)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = ai_settings_save(
                base_url=data["base_url"],
                api_key=form.api_key_change,
                text_model=data["text_model"],
                image_model=data["image_model"],
                embedding_model=data["embedding_model"],
                enabled=data["enabled"],
                user=request.user,
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            if saved.enabled:
                messages.success(request, f"Saved. AI runs now use {saved.base_url}.")
            else:
                messages.success(
                    request, f"Saved and switched off: {_fallback_words()} is in force."
                )
            return redirect(request, reverse("workspace:ai_settings"))
    return _page(request, form, own, status=400 if request.method == "POST" else 200)


@sensitive_post_parameters("api_key")
@require_role(Role.ADMIN)
@require_POST
def ai_test_connection(request: HttpRequest) -> HttpResponse:
    """Test the values in the form (before saving; an empty key field = the stored key), or
    the saved configuration when the form was not sent."""
    own = ai_settings_get()
    typed = "base_url" in request.POST
    form = _form(request.POST if typed else None, own)
    result = None
    if not typed:
        result = ai_connection_test(config=ai_config_saved())
    elif form.is_valid():
        data = form.cleaned_data
        try:
            config = ai_config_for_test(
                base_url=data["base_url"],
                api_key=form.api_key_change,
                text_model=data["text_model"],
                image_model=data["image_model"],
                embedding_model=data["embedding_model"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            result = ai_connection_test(config=config)
    if request.htmx:
        # Only the result box is swapped, so the typed key stays in its field. Always 200:
        # htmx does not swap 4xx answers, and the form's problems are shown in the box.
        return render(request, f"{TEMPLATE}#test_result", {"result": result, "form": form})
    return _page(request, form, own, result=result, status=200 if result else 400)
