"""`PY -I agent.pyz pip-retry CAP -- PIP_ARGS`: pip, run so that it retries every HTTP 429 and waits a bounded
time. Run by another interpreter (a venv's python): it imports only the stdlib and that interpreter's pip.

By itself pip retries 500, 502, 503, 520 and 527 (pip/_internal/network/session.py), and urllib3 under it a 429
only when it carries Retry-After, then waiting as long as that says: without a bound (urllib3 1.26) or up to
six hours (2.x). Here a 429 is retried with or without Retry-After; the Nth retry waits at least 2^(N-1) s,
at least what Retry-After says, at most CAP seconds, plus up to half more at random; pip's own --retries bounds
how often. A pip whose internals differ runs unchanged."""
from __future__ import annotations

import random
import sys
from typing import List


def patch_retry(cap: float) -> None:
    from pip._internal.network import session

    base = session.urllib3.Retry

    class Retry(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            forcelist = kwargs.get("status_forcelist")
            if forcelist is not None and 429 not in forcelist:
                kwargs["status_forcelist"] = [*forcelist, 429]
            super().__init__(*args, **kwargs)

        def floor(self):
            return min(2.0 ** max(len(self.history) - 1, 0), cap)

        def get_retry_after(self, response):
            seconds = super().get_retry_after(response)
            if seconds is None:
                return None
            seconds = min(max(float(seconds), self.floor()), cap)
            return seconds + random.uniform(0, seconds / 2)

        def get_backoff_time(self):
            if not self.history:
                return 0
            seconds = self.floor()
            return seconds / 2 + random.uniform(0, seconds / 2)

    session.urllib3.Retry = Retry


def main(argv: List[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print("usage: pip-retry CAP -- PIP_ARGS...", file=sys.stderr)
        return 2
    try:
        patch_retry(float(argv[0]))
    except Exception as err:  # noqa: BLE001 - any pip whose internals differ
        print(f"pip-airlock: pip runs with its own retries only ({err})", file=sys.stderr)
    from pip._internal.cli.main import main as pip_main

    sys.argv = ["pip"] + argv[2:]
    return pip_main()
