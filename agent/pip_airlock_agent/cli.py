"""A placeholder of the host agent's command line, so the trampoline can be tried end to end.

`bootstrap --settings FILE` and `mirror --settings FILE` print the settings' keys and return 0. The
real package replaces this file.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="pip-airlock-agent")
    parser.add_argument("command", choices=["bootstrap", "mirror"])
    parser.add_argument("--settings", required=True)
    args = parser.parse_args(argv)
    with open(args.settings, encoding="utf-8") as fh:
        settings = json.load(fh)
    sys.stdout.write(f"pip-airlock-{args.command}: settings {', '.join(sorted(settings))}\n")
    return 0
