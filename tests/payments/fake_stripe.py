"""A fake of Stripe's HTTP API on 127.0.0.1, and Stripe-format webhook events.

`FakeStripe.running()` serves `POST /v1/checkout/sessions` and `POST /v1/refunds` with
Stripe-shaped JSON from a thread and records every request (path, headers, the
form-encoded parameters the `stripe` package sent), so tests drive the real package
over real HTTP and nothing leaves the machine. `fail_with(status)` makes it answer
Stripe's error shape instead.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

SECRET_KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_test_fake"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]  # flattened form keys: "line_items[0][quantity]": "1"


@dataclass
class FakeStripe:
    base_url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    failure: tuple[int, dict[str, Any]] | None = None
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    @contextmanager
    def running(cls) -> Iterator["FakeStripe"]:
        fake = cls()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
        fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield fake
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    def use_in(self, settings) -> "FakeStripe":
        """Point the project's Stripe provider at this fake (the `settings` fixture)."""
        settings.PAYMENTS_PROVIDER = "stripe"
        settings.STRIPE_API_BASE = self.base_url
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        return self

    def fail_with(self, status: int, *, error_type: str = "api_error", code: str = "") -> None:
        """Answer every request from now on with Stripe's error shape and `status`."""
        error = {"type": error_type, "message": f"Fake failure {status}."}
        if code:
            error["code"] = code
        self.failure = (status, {"error": error})

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    # -- answers -------------------------------------------------------------------

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.failure is not None:
            return self.failure
        number = next(self._counter)
        if path == "/v1/checkout/sessions":
            session_id = f"cs_test_fake{number}"
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": int(params.get("line_items[0][price_data][unit_amount]", 0)),
                "currency": params.get("line_items[0][price_data][currency]"),
                "client_reference_id": params.get("client_reference_id"),
                "metadata": {"top_up_id": params.get("metadata[top_up_id]")},
                "expires_at": int(params.get("expires_at", 0)),
                "payment_intent": None,
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            }
        if path == "/v1/refunds":
            return 200, {
                "id": f"re_test_fake{number}",
                "object": "refund",
                "status": "succeeded",
                "payment_intent": params.get("payment_intent"),
            }
        return 404, {"error": {"type": "invalid_request_error", "message": "Unknown path."}}


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            params = dict(parse_qsl(body, keep_blank_values=True))
            fake.requests.append(
                RecordedRequest(
                    method="POST",
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    params=params,
                )
            )
            status, answer = fake.answer(self.path, params)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_fake{len(fake.requests)}")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


# -- webhook events ------------------------------------------------------------------

_event_numbers = itertools.count(1)


def checkout_event(
    top_up,
    *,
    type: str = "checkout.session.completed",
    payment_status: str = "paid",
    amount_total: int | None = None,
    currency: str | None = None,
    created: int | None = None,
    event_id: str | None = None,
    payment_intent: str = "pi_test_fake",
    checkout_id: str | None = None,
) -> dict[str, Any]:
    """A Stripe `checkout.session.*` event about `top_up`'s checkout."""
    return {
        "id": event_id or f"evt_test_{next(_event_numbers)}",
        "object": "event",
        "type": type,
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "data": {
            "object": {
                "id": checkout_id or top_up.checkout_id,
                "object": "checkout.session",
                "mode": "payment",
                "status": "complete",
                "payment_status": payment_status,
                "payment_intent": payment_intent,
                "amount_total": top_up.price if amount_total is None else amount_total,
                "currency": (currency or top_up.currency).lower(),
                "client_reference_id": str(top_up.pk),
                "metadata": {"top_up_id": str(top_up.pk)},
            }
        },
    }


def signed(
    event: dict[str, Any] | bytes, *, secret: str, timestamp: int | None = None
) -> tuple[bytes, str]:
    """The raw body of `event` and its `Stripe-Signature` header, computed here from
    Stripe's documented scheme (not with the code under test)."""
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return payload, f"t={timestamp},v1={digest.hexdigest()}"
