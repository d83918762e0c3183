"""What the load benchmark (`bench/load.py`) makes of wrk's reports: each endpoint's
figures, its ratio to `users/me/` and to its target, as the JSON of `bench/results.json`
and as the Markdown table it prints and appends to `bench/RESULTS.md`.

Pure functions of wrk's text and of the figures (no server, no clock): tested in
`tests/bench/`.
"""

import re
import statistics
from dataclasses import dataclass

ME = "users/me"  # the authenticated trivial endpoint every ratio is taken against
HEALTH = "health"


@dataclass(frozen=True)
class Target:
    """An endpoint must serve at least `ratio` times the requests a second `of` serves
    in the same run (the ratios travel between machines, the absolute numbers do not)."""

    ratio: float
    of: str = ME

    def __str__(self) -> str:
        return f"{self.ratio:.2f}x {self.of}"


def wrk_parse(output: str) -> dict:
    """wrk's report (run with `--latency`) as figures: requests a second, p50 and p99 in
    milliseconds, the requests completed, the non-2xx (or 3xx) answers, the socket errors
    (connect, read, write, timeout), and `errors`, the last two summed. When the script
    reported counted views (`Counted views: N, not counted: M`), `counted` and
    `not_counted` too."""
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    requests = re.search(r"(\d+) requests in ", output)
    figures = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _milliseconds(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _milliseconds(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1)),
        "requests": int(requests.group(1)) if requests else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    }
    figures["errors"] = figures["non_2xx"] + figures["socket_errors"]
    counted = re.search(r"Counted views: (\d+), not counted: (\d+)", output)
    if counted:
        figures["counted"], figures["not_counted"] = (int(n) for n in counted.groups())
    return figures


def _milliseconds(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def database_figures(measured: dict[str, tuple[Target | None, dict]]) -> dict[str, dict]:
    """One database's figures as `results.json` holds them, from `measured`: endpoint
    name -> (its target or None, `wrk_parse`'s figures), in the order they ran. It must
    hold `users/me`, and `health` when an endpoint's target is taken against it.

    Each endpoint gets `rps`, `p50_ms`, `p99_ms`, `ratio_to_me` (its req/s over
    `users/me`'s), `target` (the least ratio, or None), `target_of` (what that ratio is
    taken against), `ratio` (the ratio judged against the target), `met` (None without
    a target), `requests` (completed), `non_2xx`, `socket_errors`, and `counted` and
    `not_counted` for counted views. Ratios are rounded to two places, and judged as
    rounded, so the verdict agrees with the figure shown."""
    rps = {name: figures["rps"] for name, (_, figures) in measured.items()}
    result = {}
    for name, (target, figures) in measured.items():
        ratio = round(rps[target.of] and rps[name] / rps[target.of], 2) if target else None
        entry = {
            "rps": round(figures["rps"], 1),
            "p50_ms": round(figures["p50"], 2),
            "p99_ms": round(figures["p99"], 2),
            "ratio_to_me": round(rps[ME] and rps[name] / rps[ME], 2),
            "target": target.ratio if target else None,
            "target_of": target.of if target else None,
            "ratio": ratio,
            "met": ratio >= target.ratio if target else None,
            "requests": figures["requests"],
            "non_2xx": figures["non_2xx"],
            "socket_errors": figures["socket_errors"],
        }
        for key in ("counted", "not_counted"):
            if key in figures:
                entry[key] = figures[key]
        result[name] = entry
    return result


def rounds_combined(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    """One database's figures from the `database_figures` of each round of the run
    (every endpoint measured once a round, in turn): each figure the median of its
    rounds (requests, non-2xx answers, socket errors and views summed), each ratio the
    median of the rounds' ratios, each taken against `users/me` of its own round (so
    that the machine's drift during a run moves both sides of a ratio alike), and
    `round_ratios`, the ratio each round judged (or, without a target, its ratio to
    `users/me`)."""
    combined = {}
    for name, first in rounds[0].items():
        entries = [figures[name] for figures in rounds]
        entry = dict(first)
        for key in ("rps", "p50_ms", "p99_ms", "ratio_to_me", "ratio"):
            if first[key] is not None:
                entry[key] = round(statistics.median(each[key] for each in entries), 2)
        for key in ("requests", "non_2xx", "socket_errors", "counted", "not_counted"):
            if key in first:
                entry[key] = sum(each[key] for each in entries)
        if first["target"] is not None:
            entry["met"] = entry["ratio"] >= first["target"]
        judged = "ratio" if first["target"] is not None else "ratio_to_me"
        entry["round_ratios"] = [each[judged] for each in entries]
        combined[name] = entry
    return combined


def problems(results: dict[str, dict[str, dict]]) -> list[str]:
    """What went wrong in a run, one sentence each: no request completed, answers that
    were not 2xx, socket errors, views that did not count. `results` is database ->
    `database_figures`. Every endpoint of the benchmark should answer 2xx every time."""
    found = []
    for database, endpoints in results.items():
        for name, entry in endpoints.items():
            if not entry["requests"]:
                found.append(f"{database}: {name}: no request completed in the time.")
            if entry["non_2xx"]:
                found.append(f"{database}: {name}: {entry['non_2xx']} answers were not 2xx.")
            if entry["socket_errors"]:
                found.append(
                    f"{database}: {name}: {entry['socket_errors']} socket errors "
                    "(connect, read, write or timeout)."
                )
            if entry.get("not_counted"):
                found.append(
                    f"{database}: {name}: {entry['not_counted']} of "
                    f"{entry['not_counted'] + entry.get('counted', 0)} views did not count."
                )
    return found


def ratios_table(results: dict[str, dict[str, dict]]) -> str:
    """The Markdown table of every database's endpoints: req/s, p50, p99, the ratio to
    `users/me`, the target, the ratio judged against it, whether it is met, the
    non-2xx answers, and the ratio of each round (`rounds_combined`)."""
    lines = [
        "| database | endpoint | req/s | p50 (ms) | p99 (ms) | x users/me "
        "| target | measured | met | non-2xx | rounds |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | --- |",
    ]
    for database, endpoints in results.items():
        for name, entry in endpoints.items():
            if entry["target"] is None:
                target = measured = met = "-"
            else:
                target = f"at least {entry['target']:.2f}x {entry['target_of']}"
                measured = f"{entry['ratio']:.2f}x {entry['target_of']}"
                met = "yes" if entry["met"] else "**NO**"
            lines.append(
                f"| {database} | {name} | {entry['rps']:.0f} | {entry['p50_ms']:.1f} "
                f"| {entry['p99_ms']:.1f} | {entry['ratio_to_me']:.2f} | {target} "
                f"| {measured} | {met} | {entry['non_2xx']} "
                f"| {', '.join(f'{ratio:.2f}' for ratio in entry.get('round_ratios', [])) or '-'} |"
            )
    return "\n".join(lines) + "\n"


def targets_summary(results: dict[str, dict[str, dict]]) -> str:
    """One line: how many targets were met, and which were missed."""
    judged = [
        (database, name, entry)
        for database, endpoints in results.items()
        for name, entry in endpoints.items()
        if entry["target"] is not None
    ]
    missed = [
        f"{database} {name} ({entry['ratio']:.2f}x {entry['target_of']}, "
        f"target {entry['target']:.2f}x)"
        for database, name, entry in judged
        if not entry["met"]
    ]
    summary = f"Targets met: {len(judged) - len(missed)} of {len(judged)}."
    return summary + (f" Missed: {'; '.join(missed)}." if missed else "")


def results_section(results: dict[str, dict[str, dict]], meta: dict) -> str:
    """The dated Markdown section `bench/RESULTS.md` gets: how the run was made (from
    `meta`, as `results.json` holds it), the ratios table, the targets, and any problem."""
    load = ", ".join(f"{n:.2f}" for n in meta["load_average_start"])
    lines = [
        f"## Load (`make bench`): run of {meta['date'][:16].replace('T', ' ')} UTC",
        "",
        f"{meta['machine']}, load average {load} at the start. gunicorn with "
        f"{meta['workers']} workers; wrk with 1 thread, {meta['connections']} connections, "
        f"{meta.get('rounds', 1)} rounds of {meta['warmup_seconds']:g} s of warm-up (a client "
        f"a worker) then {meta['seconds']} s per endpoint, each endpoint's figures the median "
        "of its rounds and each ratio taken in its round; "
        f"`{meta['seed']}`; lists at `page_size={meta['page_size']}` (every page full). "
        f"The whole run took {meta['total_seconds'] / 60:.1f} min.",
        "",
        ratios_table(results).rstrip("\n"),
        "",
        targets_summary(results),
    ]
    found = problems(results)
    if found:
        lines += ["", *(f"- **{problem}**" for problem in found)]
    return "\n".join(lines) + "\n"
