"""An open-loop load: requests sent at fixed rates, whatever the server's pace, each on
a connection of its own, so a slow answer never holds the next request back and no
idle keep-alive connection ties up a synchronous gunicorn worker.

wrk is a closed loop: its next request waits for the last answer, and its paced
connections (`delay()`) sit idle between requests, which a sync worker accepts and then
waits on. Real viewers and pollers arrive on their own clock; this is how they are
simulated here. Latencies are measured from the moment each request was due, so a
queue building up in the driver counts against the server, not in its favour.
"""

import asyncio
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Flow:
    """`rate` requests a second of what `request(n)` makes (the n-th raw HTTP request,
    without its Host and Connection headers); `answered(body)` sees each 2xx body."""

    name: str
    rate: float
    request: Callable[[int], tuple[str, str, dict[str, str], bytes]]
    answered: Callable[[bytes], None] | None = None
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0


def _raw(host: str, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _one(flow: Flow, host: str, port: int, n: int, due: float, timeout: float) -> None:
    method, path, headers, body = flow.request(n)
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(_raw(f"{host}:{port}", method, path, headers, body))
        answer = await asyncio.wait_for(reader.read(-1), timeout)
        writer.close()
    except (OSError, TimeoutError):
        flow.failures += 1
        return
    latency = time.monotonic() - due
    head, _, content = answer.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        flow.failures += 1
        return
    flow.statuses[status] = flow.statuses.get(status, 0) + 1
    flow.latencies.append(latency)
    if flow.answered is not None and 200 <= status < 300:
        flow.answered(content)


async def _schedule(flow: Flow, host: str, port: int, seconds: float, timeout: float) -> None:
    start = time.monotonic()
    tasks = []
    count = int(flow.rate * seconds)
    # Evenly spaced with a random phase per request (no bursts at the second's edge).
    offsets = sorted(random.uniform(0, seconds) for _ in range(count))
    for n, offset in enumerate(offsets):
        due = start + offset
        pause = due - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(_one(flow, host, port, n, due, timeout)))
    await asyncio.gather(*tasks)


def run(flows: list[Flow], *, host: str, port: int, seconds: float, timeout: float = 10) -> None:
    """Run every flow at once for `seconds` (then wait for the answers still due)."""

    async def main() -> None:
        await asyncio.gather(*(_schedule(flow, host, port, seconds, timeout) for flow in flows))

    asyncio.run(main())


def summary(flow: Flow, seconds: float) -> dict:
    """The flow's figures in wrk_parse's shape (rps achieved, p50/p99 ms, errors)."""
    latencies = sorted(flow.latencies)
    ok = sum(count for status, count in flow.statuses.items() if 200 <= status < 400)

    def percentile(share: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000

    return {
        "rps": ok / seconds,
        "offered": flow.rate,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99": percentile(0.99),
        "errors": flow.failures + sum(c for s, c in flow.statuses.items() if s >= 400),
    }
