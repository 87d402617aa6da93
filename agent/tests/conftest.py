import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_configure(config):
    # run-tests.sh runs every test on the public hosts' CPythons (Debian 12's 3.11 and 13's 3.13) and, on the
    # other CPythons the bootstrap supports, deselects what only ever runs where the mirror runs.
    config.addinivalue_line("markers", "mirror_host: runs only on the public host (hosts.publicImage: Debian 12 or 13)")
    config.addinivalue_line("markers", "python_independent: checks files, not the interpreter: one CPython suffices")
    config.addinivalue_line("markers", "system_python: what it checks runs in child processes of /usr/bin/python3 (Debian's pip, "
                            "venv, the zipapp's shims), the same whichever CPython runs pytest: Debian's alone runs it")
