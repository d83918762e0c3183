"""Facts about the client behind a request, read the same way everywhere."""

from django.http import HttpRequest
from rest_framework.settings import api_settings

USER_AGENT_MAX_LENGTH = 300


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is for the API (answered in JSON), not a page."""
    return request.path.startswith("/api/")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the address `NUM_PROXIES` trusted proxies
    put in X-Forwarded-For (the same rule DRF's throttles use)."""
    remote_addr = request.META.get("REMOTE_ADDR") or None
    num_proxies = api_settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies and forwarded:
        addresses = [address.strip() for address in forwarded.split(",")]
        return addresses[-min(num_proxies, len(addresses))] or remote_addr
    return remote_addr


def client_user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
