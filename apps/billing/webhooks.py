"""The Stripe webhook endpoint (public host): verify the signature, then apply the event."""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.billing import stripe_events
from apps.billing.stripe_service import PaymentProviderError

log = logging.getLogger("webhooks")


def _refuse(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's signed POST. 400 (nothing applied) unless the signature over the raw body
    checks out; 200 once the event is applied or was already; 503/500 make Stripe retry."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        log.warning("stripe webhook refused: STRIPE_WEBHOOK_SECRET is not configured")
        return _refuse(400, "Stripe webhooks are not configured on this server.")
    try:
        payload = request.body.decode("utf-8")
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature", ""), secret)
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as error:
        log.warning("stripe webhook refused: %s", type(error).__name__)
        return _refuse(400, "Invalid Stripe signature or payload.")
    try:
        outcome = stripe_events.event_apply(event)
    except ValueError:
        return _refuse(400, "Not a Stripe event.")
    except PaymentProviderError as error:
        log.warning("stripe event %s postponed: %s", event.get("id"), error.message)
        return _refuse(503, "Stripe could not be reached; please retry.")
    except Exception:
        log.exception("stripe event %s failed", event.get("id"))
        return _refuse(500, "The event could not be applied; please retry.")
    return JsonResponse({"received": True, "outcome": outcome})
