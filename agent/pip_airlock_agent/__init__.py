"""pip-airlock's host agent: the on-host half of the product (the public host's mirror, the private host's
bootstrap), run by the startup-script trampoline. Standard library only; CPython 3.9 and newer."""
