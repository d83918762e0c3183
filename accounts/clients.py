"""Where a request came from: what sessions and sign-in attempts record of the client."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as recorded on sessions and sign-in attempts."""

    ip_address: str | None = None
    user_agent: str = ""


UNKNOWN_CLIENT = ClientInfo()  # for services called outside a request
