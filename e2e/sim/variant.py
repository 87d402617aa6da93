"""Writes a variant of a rendered startup script with some settings changed, quoted as the renderer
quotes them (startup-script/shell-quote.ts). Everything else stays byte for byte.

  variant.py SCRIPT OUT NAME=VALUE... NAME=(ITEM ITEM)...   (the second form: an array setting)
"""
import re
import sys


def q(v):
    return "'" + v.replace("'", "'\\''") + "'"


src, out, changes = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
text = open(src).read()
for name, value in changes.items():
    if value.startswith("(") and value.endswith(")"):
        line = f"{name}=(" + "".join(q(v) + " " for v in value[1:-1].split()) + ")"
        pattern = rf"^{name}=\(.*\)$"
    else:
        line = f"{name}={q(value)}"
        pattern = rf"^{name}='[^']*'$"
    text, n = re.subn(pattern, lambda _: line, text, count=1, flags=re.M)
    if n != 1:
        sys.exit(f"variant.py: no single-line setting {name}=... in {src}")
with open(out, "w") as fh:
    fh.write(text)
