"""The request id on every log record (set by `core.middleware.RequestIdMiddleware`).

Kept apart from the middleware: logging is configured before the apps load, so this
module imports nothing of Django's.
"""

import contextvars
import logging

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` (None outside a request) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True
