"""The metadata server: this VM's access token, and its guest attributes (the status operators read).

The token is reused until TOKEN_REUSE_SECONDS before it expires (one token request a run, not one a step);
it lives in this process's memory only. Guest attributes: GCE documents about 10 writes a minute per VM and
bursts of at most 3 a second, and writes beyond that may be dropped (Compute Engine's guest attributes page;
docs/operations.md, "Watching a host"), so each write waits until it
is at least SPACING_SECONDS after the last and at most PER_MINUTE in any 60 s, counted across boots."""
from __future__ import annotations

import json
import os
from typing import List, Optional

from .clock import Clock
from .errors import AgentError, Unreachable
from .fsutil import read_small, write_atomic
from .http import Transport, retry_after_seconds
from .log import Logger

TOKEN_REUSE_SECONDS = 300
GUEST_ATTR_TIMES = "/var/lib/pip-airlock/guest-attribute-writes"
PER_MINUTE = 8
SPACING_SECONDS = 1.0
HEADERS = {"Metadata-Flavor": "Google"}


class Metadata:
    def __init__(self, host: str, transport: Transport, clock: Clock, log: Logger) -> None:
        self.base = f"http://{host}/computeMetadata/v1"
        self.transport = transport
        self.clock = clock
        self.log = log
        self._token: Optional[str] = None
        self._expires = 0.0
        #: Token requests sent this run.
        self.token_requests = 0

    def token(self) -> str:
        now = self.clock.time()
        if self._token and self._expires - now > TOKEN_REUSE_SECONDS:
            return self._token
        self.token_requests += 1
        resp = self.transport.request("GET", f"{self.base}/instance/service-accounts/default/token", HEADERS, timeout=10)
        if resp.status != 200:
            wait = retry_after_seconds(resp.header("Retry-After"), now)
            self.log.info(f"metadata token: HTTP {resp.status}" + (f" (Retry-After {wait:g}s)" if wait is not None else ""))
            raise Unreachable(f"metadata token: HTTP {resp.status}", wait)
        try:
            answer = json.loads(resp.body)
            token, expires_in = str(answer["access_token"]), float(answer["expires_in"])
        except (ValueError, KeyError, TypeError):
            raise Unreachable("metadata token: the answer is not a token") from None
        if not token:
            raise Unreachable("metadata token: empty")
        self._token, self._expires = token, now + expires_in
        return token

    def forget_token(self) -> None:
        self._token, self._expires = None, 0.0

    def put_guest_attribute(self, namespace: str, key: str, value: str) -> bool:
        try:
            resp = self.transport.request("PUT", f"{self.base}/instance/guest-attributes/{namespace}/{key}",
                                          HEADERS, body=value.encode(), timeout=10)
        except AgentError:
            return False
        return resp.status == 200


class GuestAttributes:
    def __init__(self, metadata: Metadata, namespace: str, clock: Clock, log: Logger,
                 times_file: str = GUEST_ATTR_TIMES) -> None:
        self.metadata = metadata
        self.namespace = namespace
        self.clock = clock
        self.log = log
        self.times_file = times_file
        #: What this run published, in order (key, value).
        self.published: List[tuple] = []

    def _recent(self, now: float) -> List[float]:
        text = read_small(self.times_file) or ""
        times = []
        for line in text.split():
            try:
                t = float(line) / 1000
            except ValueError:
                continue
            if now - 60 < t <= now:
                times.append(t)
        return sorted(times)

    def wait_seconds(self, now: float) -> float:
        """How long the next write must wait to stay within GCE's documented pace."""
        recent = self._recent(now)
        wait = 0.0
        if len(recent) >= PER_MINUTE:
            wait = recent[-PER_MINUTE] + 60 - now
        if recent:
            wait = max(wait, recent[-1] + SPACING_SECONDS - now)
        return max(wait, 0.0)

    def _record(self) -> None:
        now = self.clock.time()
        times = self._recent(now) + [now]
        try:
            os.makedirs(os.path.dirname(self.times_file), mode=0o755, exist_ok=True)
            write_atomic(self.times_file, "".join(f"{int(t * 1000)}\n" for t in times), 0o644)
        except (OSError, AgentError):
            pass

    def publish(self, key: str, value: str) -> None:
        """Best effort: a status report never fails the run."""
        for attempt in (1, 2, 3):
            self.clock.sleep(self.wait_seconds(self.clock.time()))
            self._record()
            if self.metadata.put_guest_attribute(self.namespace, key, value):
                self.published.append((key, value))
                self.log.info(f"guest attribute {key} published")
                return
            self.clock.sleep(attempt)
        self.log.info(f"warning: could not publish guest attribute {key}")
