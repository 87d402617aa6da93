"""Writes a variant of a rendered startup script with some settings changed, quoted as the renderer
quotes them (assets/shell-quote.ts). Everything else stays byte for byte.

  variant.py SCRIPT OUT NAME=VALUE...
"""
import re
import sys

src, out, changes = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
text = open(src).read()
for name, value in changes.items():
    quoted = "'" + value.replace("'", "'\\''") + "'"
    text, n = re.subn(rf"^{name}='[^']*'$", lambda _: f"{name}={quoted}", text, count=1, flags=re.M)
    if n != 1:
        sys.exit(f"variant.py: no single-line setting {name}='...' in {src}")
with open(out, "w") as fh:
    fh.write(text)
