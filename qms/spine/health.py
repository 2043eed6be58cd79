"""Health checks and gauges: each part of QMS that can be down or backed up says so here.

`/healthz` runs every registered check; `/metrics` reads every registered gauge. A check returns
`(ok, state)` where `state` is a short word for people ("ok", "down", "paused", "stale"), never an error
text: the health page is open to anyone. Register once, at start (a part's `init_app`):

    health.register_check("jobs", lambda: (queue_reachable(), "ok" if queue_reachable() else "down"))
    health.register_gauge("qms_jobs_waiting", "Jobs waiting in the queue", jobs.queue_depth)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

Check = Callable[[], "tuple[bool, str]"]


@dataclass(frozen=True)
class Gauge:
    name: str  # Prometheus metric name, e.g. qms_jobs_waiting
    help: str
    read: Callable[[], float]


_checks: dict[str, Check] = {}
_gauges: dict[str, Gauge] = {}


def register_check(name: str, check: Check) -> None:
    _checks[name] = check


def register_gauge(name: str, help_text: str, read: Callable[[], float]) -> None:
    _gauges[name] = Gauge(name, help_text, read)


def checks() -> dict[str, Check]:
    return dict(sorted(_checks.items()))


def gauges() -> list[Gauge]:
    return [_gauges[name] for name in sorted(_gauges)]


def run_checks() -> dict[str, tuple[bool, str]]:
    """Every check's result; a check that raises counts as down (its error goes to the log, not the page)."""
    import logging

    results = {}
    for name, check in checks().items():
        try:
            ok, state = check()
        except Exception:  # a broken part is what this reports, whatever broke it
            logging.getLogger("qms.health").exception("health check %s failed", name)
            ok, state = False, "down"
        results[name] = (bool(ok), str(state))
    return results
