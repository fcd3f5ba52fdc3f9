"""A local HTTP server that answers like Stripe, and Stripe-shaped objects and signed events.

The real `stripe` client talks to it (settings.STRIPE_API_BASE), so our request building,
parameter encoding, error mapping and response parsing all run for real. It records every
request it receives, with the form parameters flattened the way Stripe reads them
(`line_items[0][price]`, `metadata[account_id]`).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from igny8.tests.loopback import LoopbackServer

API_KEY = "sk_test_fake_igny8"
WEBHOOK_SECRET = "whsec_test_fake_igny8"

_ids = itertools.count(1)


@dataclass
class Received:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeStripe(LoopbackServer):
    poll_interval: ClassVar[float] = 0.02
    api_key: str = API_KEY
    requests: list[Received] = field(default_factory=list)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    _failure: tuple[int, dict] | None = None

    @property
    def base_url(self) -> str:
        return self.origin

    def fail_next(self, status: int, error_type: str, message: str, code: str = "") -> None:
        """The next request answers this Stripe error (e.g. 400 invalid_request_error)."""
        self._failure = (status, {"error": {"type": error_type, "message": message, "code": code}})

    def last(self, path: str) -> Received:
        matches = [r for r in self.requests if r.path == path]
        assert matches, f"Stripe was not called at {path}; calls: {[r.path for r in self.requests]}"
        return matches[-1]

    # --- answering ------------------------------------------------------------------------

    def answer(self, method: str, path: str, params: dict[str, str], headers: dict[str, str]):
        self.requests.append(Received(method, path, params, headers))
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {
                "error": {
                    "type": "invalid_request_error",
                    "message": "Invalid API Key provided: sk_****",
                }
            }
        if self._failure is not None:
            failure, self._failure = self._failure, None
            return failure
        n = next(_ids)
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, {
                "id": f"cs_test_{n}",
                "object": "checkout.session",
                "mode": params.get("mode"),
                "url": f"https://checkout.stripe.test/c/pay/cs_test_{n}",
            }
        if method == "POST" and path == "/v1/billing_portal/sessions":
            return 200, {
                "id": f"bps_{n}",
                "object": "billing_portal.session",
                "customer": params.get("customer"),
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.test/p/session/bps_{n}",
            }
        if method == "GET" and path.startswith("/v1/subscriptions/"):
            found = self.subscriptions.get(path.rsplit("/", 1)[1])
            if found is not None:
                return 200, found
            return 404, {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"No such subscription: '{path.rsplit('/', 1)[1]}'",
                    "code": "resource_missing",
                }
            }
        return 404, {"error": {"type": "invalid_request_error", "message": "Unrecognized URL"}}

    # --- running --------------------------------------------------------------------------

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                url = urlsplit(self.path)
                params = dict(parse_qsl(body or url.query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, payload = fake.answer(self.command, url.path, params, headers)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_fake_{next(_ids)}")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


# --- Stripe-shaped objects (API version 2025-03-31 and later) --------------------------------


def subscription(
    sub_id: str,
    *,
    customer: str,
    price: str,
    status: str,
    period: tuple[int, int],
    account_id: int | None = None,
    cancel_at_period_end: bool = False,
    ended_at: int | None = None,
) -> dict:
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "ended_at": ended_at,
        "metadata": {"account_id": str(account_id)} if account_id else {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{sub_id}",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "current_period_start": period[0],
                    "current_period_end": period[1],
                }
            ],
        },
    }


def invoice(
    invoice_id: str,
    *,
    customer: str,
    subscription_id: str,
    price: str,
    period: tuple[int, int],
    status: str,
    amount: int,
    account_id: int | None = None,
    number: str = "",
) -> dict:
    paid = status == "paid"
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "number": number or f"INV-{invoice_id}",
        "status": status,
        "currency": "usd",
        "amount_due": amount,
        "amount_paid": amount if paid else 0,
        "created": period[0],
        "hosted_invoice_url": f"https://invoice.stripe.test/i/{invoice_id}",
        "status_transitions": {"paid_at": period[0] + 60 if paid else None},
        # Stripe's invoice-level period is the *previous* period; the line holds the real one.
        "period_start": period[0] - 30 * 86400,
        "period_end": period[0],
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription_id,
                "metadata": {"account_id": str(account_id)} if account_id else {},
            },
        },
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": f"il_{invoice_id}",
                    "object": "line_item",
                    "amount": amount,
                    "period": {"start": period[0], "end": period[1]},
                    "pricing": {
                        "type": "price_details",
                        "price_details": {"price": price, "product": "prod_fake"},
                    },
                }
            ],
        },
    }


def checkout_session(
    session_id: str,
    *,
    account_id: int,
    mode: str,
    customer: str,
    metadata: dict[str, str],
    subscription_id: str | None = None,
    amount_total: int = 0,
    payment_status: str = "paid",
) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": mode,
        "status": "complete",
        "payment_status": payment_status,
        "customer": customer,
        "subscription": subscription_id,
        "client_reference_id": str(account_id),
        "amount_total": amount_total,
        "currency": "usd",
        "metadata": {"account_id": str(account_id), **metadata},
    }


def event(event_type: str, obj: dict, *, created: int, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{next(_ids)}",
        "object": "event",
        "type": event_type,
        "created": created,
        "livemode": False,
        "api_version": "2026-08-26.dahlia",
        "data": {"object": obj},
    }


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: `t=<ts>,v1=<HMAC-SHA256 of "<ts>.<payload>">`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"
