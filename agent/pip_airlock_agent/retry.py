"""One retry policy: bounded attempts, exponential backoff with equal jitter, Retry-After honoured within a
bound. A fleet told to wait the same moment drifts apart; hosts that keep losing the race for a freed quota
slot back off (a 429 again and again waits longer each time even when each says "1 s")."""
from __future__ import annotations

import random
from typing import Callable, Optional, TypeVar

from .clock import Clock
from .errors import TRANSIENT, Unreachable
from .log import Logger

T = TypeVar("T")


class RetryPolicy:
    def __init__(self, max_attempts: int, max_backoff_seconds: int, retry_after_max_seconds: int,
                 clock: Clock, rng: Optional[random.Random] = None) -> None:
        self.max_attempts = max_attempts
        self.max_backoff_seconds = max_backoff_seconds
        self.retry_after_max_seconds = retry_after_max_seconds
        self.clock = clock
        self.rng = rng or random.Random()

    def backoff_seconds(self, delay: int, retry_after: Optional[float]) -> float:
        """The wait after a failed attempt whose backoff delay is `delay` seconds: without Retry-After a random
        time between half the delay and the delay; told to wait, the longer of that and the delay, capped at
        retry_after_max_seconds, plus up to half more at random."""
        if retry_after is not None:
            seconds = min(max(float(retry_after), float(delay)), float(self.retry_after_max_seconds))
            seconds = max(seconds, 1.0)
            return seconds + self.rng.uniform(0, seconds / 2)
        return delay / 2 + self.rng.uniform(0, delay / 2)

    def run(self, what: str, fn: Callable[[], T], log: Logger, max_attempts: Optional[int] = None) -> T:
        """fn() until it returns, retrying what is transient (errors.TRANSIENT) up to max_attempts times."""
        attempts = max_attempts or self.max_attempts
        delay = 1
        attempt = 1
        while True:
            try:
                return fn()
            except TRANSIENT as err:
                if attempt >= attempts:
                    log.info(f"{what}: failed after {attempt} attempts ({err})")
                    raise
                retry_after = err.retry_after if isinstance(err, Unreachable) else None
                wait = self.backoff_seconds(delay, retry_after)
                why = f"throttled, Retry-After {retry_after:g}s" if retry_after is not None else str(err)
                log.info(f"{what}: attempt {attempt}/{attempts} failed ({why}); retrying in {wait:.3f}s")
                self.clock.sleep(wait)
                attempt += 1
                delay = min(delay * 2, self.max_backoff_seconds)
