"""Time, injectable: the program asks a Clock, tests give it a fake one (no test sleeps)."""
from __future__ import annotations

import time


class Clock:
    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


SystemClock = Clock
