"""pip-airlock's host agent (a placeholder until the real package lands: see cli.py)."""
