"""Test doubles: a clock that never sleeps, a transport that answers from a table, a runner that records."""
from __future__ import annotations

import io
from typing import Callable, Dict, List, Optional, Tuple

from pip_airlock_agent.errors import Unreachable
from pip_airlock_agent.http import Response
from pip_airlock_agent.log import Logger
from pip_airlock_agent.runner import Completed


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.mono = 0.0
        self.sleeps: List[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.now += seconds
            self.mono += seconds


class FakeTransport:
    """Answers each request with the first matching route's response (a callable may count or vary)."""

    def __init__(self, routes: Optional[Dict[str, object]] = None) -> None:
        self.routes: Dict[str, object] = dict(routes or {})
        self.requests: List[Tuple[str, str, Dict[str, str], Optional[bytes]]] = []

    def request(self, method, url, headers=None, body=None, timeout=60, dest=None):
        self.requests.append((method, url, dict(headers or {}), body))
        answer = self.routes.get(url)
        if answer is None:
            answer = Response(404, {}, b"not found")
        if callable(answer):
            answer = answer()
        if isinstance(answer, Exception):
            raise answer
        if dest is not None and answer.status == 200:
            with open(dest, "wb") as fh:
                fh.write(answer.body)
            return Response(answer.status, answer.headers)
        return answer


def unreachable(message: str = "connection refused") -> Unreachable:
    return Unreachable(message)


class FakeRunner:
    def __init__(self, handler: Optional[Callable[[List[str], dict], Completed]] = None) -> None:
        self.calls: List[Tuple[List[str], dict]] = []
        self.handler = handler

    def run(self, argv, **kwargs):
        self.calls.append((list(argv), kwargs))
        if self.handler:
            return self.handler(list(argv), kwargs)
        return Completed(argv, 0, "")


def logger(script: str = "bootstrap", clock=None) -> Tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    return Logger(script, clock or FakeClock(), stream), stream
