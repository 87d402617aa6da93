"""docs/operations.md's Troubleshooting table has exactly one row per step each script logs (`log.step("NAME")` in the
agent: a failure's `failed-step`, a ready-stale's `stale-step`), each with its likely causes and a fix."""
from __future__ import annotations

import ast
import os
import re
from typing import Dict, List, Set, Tuple

import pytest

pytestmark = pytest.mark.python_independent  # reads the agent's source and a document

AGENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(AGENT, "pip_airlock_agent")
README = os.path.join(os.path.dirname(AGENT), "docs", "operations.md")
#: Which script's steps each module logs (cli.py's `validate` is both scripts' first step).
SCRIPTS_OF = {"bootstrap.py": ["bootstrap"], "mirror.py": ["mirror"], "cli.py": ["bootstrap", "mirror"]}


def step_calls(path: str) -> List[ast.Call]:
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), path)
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step"]


def agent_steps() -> Dict[str, Set[str]]:
    steps: Dict[str, Set[str]] = {"bootstrap": set(), "mirror": set()}
    for name in sorted(os.listdir(PACKAGE)):
        if not name.endswith(".py") or name == "log.py":
            continue
        calls = step_calls(os.path.join(PACKAGE, name))
        if not calls:
            continue
        assert name in SCRIPTS_OF, f"{name} logs steps: say in SCRIPTS_OF which script's they are"
        for call in calls:
            assert len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str), \
                f"{name}:{call.lineno}: a step name must be a literal string (this test reads them)"
            for script in SCRIPTS_OF[name]:
                steps[script].add(call.args[0].value)
    return steps


def troubleshooting_rows() -> List[Tuple[str, str, str, str]]:
    with open(README, encoding="utf-8") as fh:
        text = fh.read()
    m = re.search(r"^## Troubleshooting\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, "docs/operations.md has no Troubleshooting section"
    rows = []
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) == 4 and cells[0] in ("bootstrap", "mirror"):
            step = re.fullmatch(r"`([a-z0-9-]+)`", cells[1])
            assert step, f"a Troubleshooting row's step is not one `name`: {line}"
            rows.append((cells[0], step.group(1), cells[2], cells[3]))
    return rows


def test_the_agent_logs_steps_of_both_scripts():
    steps = agent_steps()
    for script in ("bootstrap", "mirror"):
        assert len(steps[script]) > 4, steps
    assert {"validate", "token", "wait-for-auth-repo", "probe"} <= steps["bootstrap"]
    assert {"validate", "tools", "token", "download", "upload"} <= steps["mirror"]


@pytest.mark.parametrize("script", ["bootstrap", "mirror"])
def test_every_step_has_exactly_one_troubleshooting_row(script):
    rows = [r for r in troubleshooting_rows() if r[0] == script]
    named = [step for _, step, _, _ in rows]
    assert len(named) == len(set(named)), f"{script}: a step has more than one row: {named}"
    steps = agent_steps()[script]
    assert sorted(steps - set(named)) == [], f"docs/operations.md's Troubleshooting has no row for these {script} steps"
    assert sorted(set(named) - steps) == [], f"docs/operations.md's Troubleshooting has rows for {script} steps the agent does not log"


def test_each_row_says_the_causes_and_the_fix():
    rows = troubleshooting_rows()
    assert rows
    for script, step, causes, fix in rows:
        assert len(causes) > 10 and len(fix) > 10, (script, step, causes, fix)
