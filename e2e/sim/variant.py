"""Writes a variant of a rendered startup script with some settings changed. Everything else stays byte
for byte.

  variant.py SCRIPT OUT NAME=VALUE... NAME=(ITEM ITEM)...   (the second form: a list setting)

The trampoline (assets/trampoline.sh.mustache) carries the settings as ONE JSON document in the
single-quoted word SETTINGS_JSON='...' (quoted as startup-script/shell-quote.ts quotes: ' as '\\''):
each NAME is a key of that document, and VALUE takes the type the key has there (an integer, true or
false, a list, a string). A name the document lacks is refused (a variant changes settings, it does not
invent them). A script without SETTINGS_JSON (the scripts before the trampoline) gets its NAME='value'
lines changed, as before.
"""
import json
import re
import sys

SETTINGS_WORD = re.compile(r"^SETTINGS_JSON='((?:[^']|'\\'')*)'$", re.M)


def q(v):
    return "'" + v.replace("'", "'\\''") + "'"


def typed(name, old, value):
    """VALUE as the JSON type the setting has in the synthesized document."""
    if value.startswith("(") and value.endswith(")"):
        if not isinstance(old, list):
            sys.exit(f"variant.py: {name} is not a list setting")
        return value[1:-1].split()
    if isinstance(old, bool):
        if value not in ("true", "false"):
            sys.exit(f"variant.py: {name} takes true or false, not {value!r}")
        return value == "true"
    if isinstance(old, int):
        try:
            return int(value)
        except ValueError:
            sys.exit(f"variant.py: {name} takes an integer, not {value!r}")
    if isinstance(old, list):
        sys.exit(f"variant.py: {name} is a list setting: write {name}=(ITEM ...)")
    return value


def json_variant(text, match, changes, src):
    settings = json.loads(match.group(1).replace("'\\''", "'"))
    for name, value in changes.items():
        if name not in settings:
            sys.exit(f"variant.py: no setting {name} in the SETTINGS_JSON of {src}")
        settings[name] = typed(name, settings[name], value)
    word = "SETTINGS_JSON=" + q(json.dumps(settings, indent=2, ensure_ascii=False))
    return text[: match.start()] + word + text[match.end():]


def line_variant(text, changes, src):
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
    return text


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 else 2)
    src, out, changes = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
    with open(src, newline="") as fh:
        text = fh.read()
    matches = list(SETTINGS_WORD.finditer(text))
    if len(matches) > 1:
        sys.exit(f"variant.py: {len(matches)} SETTINGS_JSON words in {src}")
    text = json_variant(text, matches[0], changes, src) if matches else line_variant(text, changes, src)
    with open(out, "w", newline="") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
