"""Data the scenarios make before their hosts boot: a hash-pinned lock of the closure, a forged bundle,
a new release on the fake PyPI.

  scenario_data.py lock PYPI_FILES NAMES                the newest file of each named project, pinned:
                                                        NAME==VERSION --hash=sha256:HEX, one a line
  scenario_data.py forge-bundle BUNDLE VICTIM OTHER     the bundle with its wheel VICTIM's bytes replaced
                                                        by the wheel OTHER's, RECORD rewritten to match
  scenario_data.py add-release PYPI_ROOT WHEEL          the fake PyPI's project page lists WHEEL (in
                                                        PYPI_ROOT/files) too
  scenario_data.py add-sdist PYPI_ROOT PROJECT VERSION MARKER
                                                        a release of PROJECT that is an sdist only, whose
                                                        build (any hook of its in-tree backend, or setup.py)
                                                        writes the file MARKER first: listed on its page
"""
import argparse
import base64
import hashlib
import html
import io
import os
import re
import tarfile
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


def list_file(pypi_root, filename):
    """Its project's PEP 503 page on the fake PyPI links the file PYPI_ROOT/files/FILENAME, with its
    sha256 and data-requires-python (>=3.9)."""
    name = re.sub(r"[-_.]+", "-", filename.split("-")[0]).lower()
    with open(os.path.join(pypi_root, "files", filename), "rb") as fh:
        sha = sha256_hex(fh.read())
    page = os.path.join(pypi_root, "simple", name, "index.html")
    with open(page) as fh:
        text = fh.read()
    link = f'<a href="../../files/{filename}#sha256={sha}" data-requires-python="{html.escape(">=3.9")}">{filename}</a><br>\n'
    with open(page, "w") as fh:
        fh.write(text.replace("</body>", link + "</body>"))


def add_release(args):
    """A release published: its project's PEP 503 page on the fake PyPI links WHEEL."""
    list_file(args.pypi_root, args.wheel)


SDIST_BACKEND = """# Writes a marker as soon as a build frontend loads it: a build of this sdist ran code.
import os
with open({marker!r}, "a") as fh:
    fh.write("built by pid %d as uid %d\\n" % (os.getpid(), os.getuid()))


def _refuse(*args, **kwargs):
    raise RuntimeError("this sdist must never be built")


get_requires_for_build_wheel = get_requires_for_build_sdist = build_wheel = build_sdist = _refuse
prepare_metadata_for_build_wheel = _refuse
"""


def add_sdist(args):
    """A newer release of PROJECT published as an sdist only (PROJECT-VERSION.tar.gz): its in-tree build
    backend (and its setup.py) writes MARKER when loaded, so any build of it leaves a trace."""
    dist = re.sub(r"[-_.]+", "_", args.project).lower()
    base = f"{dist}-{args.version}"
    backend = SDIST_BACKEND.format(marker=args.marker)
    members = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {args.project}\nVersion: {args.version}\nRequires-Python: >=3.9\n",
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "airlock_e2e_backend"\nbackend-path = ["."]\n',
        "airlock_e2e_backend.py": backend,
        "setup.py": "import airlock_e2e_backend\n",
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tf.addfile(info, io.BytesIO(data))
    filename = f"{base}.tar.gz"
    with open(os.path.join(args.pypi_root, "files", filename), "wb") as fh:
        fh.write(buf.getvalue())
    list_file(args.pypi_root, filename)
    print(filename)


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
    p = sub.add_parser("add-sdist", help=add_sdist.__doc__)
    p.add_argument("pypi_root")
    p.add_argument("project")
    p.add_argument("version")
    p.add_argument("marker")
    p.set_defaults(run=add_sdist)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
