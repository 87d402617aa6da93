"""Every module of the package imports on this interpreter (run-tests.sh runs this on each CPython >= 3.9),
and the shims other interpreters run import nothing of the package but what is standard-library only."""
import ast
import importlib
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pip_airlock_agent")
MODULES = sorted(n[:-3] for n in os.listdir(PACKAGE) if n.endswith(".py") and n != "__init__.py")


@pytest.mark.parametrize("name", MODULES)
def test_the_module_imports(name):
    importlib.import_module(f"pip_airlock_agent.{name}")


def test_the_pip_retry_shim_imports_only_the_standard_library_and_pip():
    tree = ast.parse(open(os.path.join(PACKAGE, "pip_retry.py")).read())
    imported = {(node.module or "") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | \
               {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert all(name.split(".")[0] in ("__future__", "random", "sys", "typing", "pip") for name in imported), imported
