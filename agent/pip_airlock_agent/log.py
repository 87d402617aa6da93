"""The serial-console log: one line per event, `DATE pip-airlock-SCRIPT [STEP] message` (users grep it)."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

from .clock import Clock


class Logger:
    def __init__(self, script: str, clock: Optional[Clock] = None, stream: Optional[TextIO] = None) -> None:
        self.script = script
        self.clock = clock or Clock()
        self.stream = stream
        self.current_step = "start"

    def info(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock.time()))
        stream = self.stream or sys.stdout
        for line in str(message).splitlines() or [""]:
            stream.write(f"{stamp} pip-airlock-{self.script} [{self.current_step}] {line}\n")
        stream.flush()

    def step(self, name: str) -> None:
        self.current_step = name
        self.info(f"step: {name}")
