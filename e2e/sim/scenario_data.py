"""Data the scenarios make before their hosts boot: a hash-pinned lock of the closure, a forged bundle,
a new release on the fake PyPI.

  scenario_data.py lock PYPI_FILES NAMES                the newest file of each named project, pinned:
                                                        NAME==VERSION --hash=sha256:HEX, one a line
  scenario_data.py forge-bundle BUNDLE VICTIM OTHER     the bundle with its wheel VICTIM's bytes replaced
                                                        by the wheel OTHER's, RECORD rewritten to match
  scenario_data.py add-release PYPI_ROOT WHEEL          the fake PyPI's project page lists WHEEL (in
                                                        PYPI_ROOT/files) too
"""
import argparse
import base64
import hashlib
import html
import os
import re
import zipfile


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def lock(args):
    """Per named project, its newest file in PYPI_FILES (by the numbers in its version), pinned."""
    closure = set(args.names.split())
    best = {}
    for f in os.listdir(args.pypi_files):
        name, version = re.sub(r"[-_.]+", "-", f.split("-")[0]).lower(), f.split("-")[1]
        key = tuple(int(x) for x in re.findall(r"\d+", version))
        if name in closure and key > best.get(name, ((),))[0]:
            best[name] = (key, f, version)
    for name, (_, f, version) in sorted(best.items()):
        with open(os.path.join(args.pypi_files, f), "rb") as fh:
            print(f"{name}=={version} --hash=sha256:{sha256_hex(fh.read())}")


def forge_bundle(args):
    """What a bad mirror or a forger could do: another real wheel in a bundled wheel's place, and the
    bundle's RECORD rewritten so the wheel itself stays valid."""
    with zipfile.ZipFile(args.bundle) as zf:
        entries = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with open(args.other, "rb") as fh:
        other = fh.read()
    swapped = [(i, other if i.filename.endswith("/wheels/" + args.victim) else d) for i, d in entries]
    record_name = next(i.filename for i, _ in swapped if i.filename.endswith("/RECORD"))
    record = "".join(
        f"{i.filename},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
        for i, d in swapped if not i.filename.endswith("/RECORD")) + record_name + ",,\n"
    with zipfile.ZipFile(args.bundle + ".new", "w") as zf:
        for i, d in swapped:
            zf.writestr(i, record.encode() if i.filename.endswith("/RECORD") else d)
    os.replace(args.bundle + ".new", args.bundle)


def add_release(args):
    """A release published: its project's PEP 503 page on the fake PyPI links WHEEL, with its sha256
    and data-requires-python (>=3.9)."""
    name = re.sub(r"[-_.]+", "-", args.wheel.split("-")[0]).lower()
    with open(os.path.join(args.pypi_root, "files", args.wheel), "rb") as fh:
        sha = sha256_hex(fh.read())
    page = os.path.join(args.pypi_root, "simple", name, "index.html")
    with open(page) as fh:
        text = fh.read()
    link = f'<a href="../../files/{args.wheel}#sha256={sha}" data-requires-python="{html.escape(">=3.9")}">{args.wheel}</a><br>\n'
    with open(page, "w") as fh:
        fh.write(text.replace("</body>", link + "</body>"))


def main():
    parser = argparse.ArgumentParser(prog="scenario_data.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("lock", help=lock.__doc__)
    p.add_argument("pypi_files")
    p.add_argument("names")
    p.set_defaults(run=lock)
    p = sub.add_parser("forge-bundle", help=forge_bundle.__doc__)
    p.add_argument("bundle")
    p.add_argument("victim")
    p.add_argument("other")
    p.set_defaults(run=forge_bundle)
    p = sub.add_parser("add-release", help=add_release.__doc__)
    p.add_argument("pypi_root")
    p.add_argument("wheel")
    p.set_defaults(run=add_release)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
