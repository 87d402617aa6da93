"""The zipapp's entry point: the startup-script trampoline runs `python3 -I agent.pyz COMMAND ...`."""
from pip_airlock_agent.cli import main

raise SystemExit(main())
