"""The API's error shape outside DRF views, and the error codes the kernel defines.

Inside DRF views drf-standardized-errors formats every exception; Django's own error
views (unknown URLs, server errors) use `error_body` to answer API clients in the
same shape: `{"type": ..., "errors": [{"code", "detail", "attr"}]}`.
"""

from typing import Literal

ErrorType = Literal["validation_error", "client_error", "server_error"]


def error_body(*, error_type: ErrorType, code: str, detail: str, attr: str | None = None) -> dict:
    """One error in the standard shape."""
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]}
