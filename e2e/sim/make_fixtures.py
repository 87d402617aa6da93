"""Builds the wheels of the simulation and the fake PyPI's static simple index (stdlib only).

  make_fixtures.py --pypi DIR --private DIR --pip-wheel PATH [--pip-wheel PATH ...]

The fake PyPI holds a real dependency graph:
  keyring 23.9.3                      the real code, repacked from Debian's python3-keyring; its Linux
                                      requirements SecretStorage and jeepney (a D-Bus keyring we do not
                                      use) are dropped from the repacked metadata
    jaraco.classes 3.2.1              repacked from Debian's python3-jaraco.classes
      more-itertools 8.10.0           repacked from Debian's python3-more-itertools
  keyrings.google-artifactregistry-auth 1.1.2+sim
                                      a stand-in written here: a real keyring backend (entry point
                                      `keyring.backends`) that answers for *.pkg.dev with a token from
                                      the metadata server, as the real one does through google-auth
    keyring
    airlock-sim-native 1.0.0          per-Python-version wheels (cp311, cp312; a cp310 and a musllinux
                                      decoy that must NOT be mirrored), as cffi is for the real graph
  pip                                 the given pip wheels (one older than 23.1, one newer)
The stand-ins carry Metadata-Version 2.3 and 2.4, as most wheels on PyPI now do (Debian 12's twine
4.0.2 cannot read those by itself: the mirror must cope).
The private repo gets `airlock-private-demo`, the package a user installs at the end.
"""
import argparse
import base64
import hashlib
import html
import os
import re
import shutil
import zipfile

DIST = "/usr/lib/python3/dist-packages"


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(out_dir, name, version, files, requires=(), tags=("py3-none-any",), entry_points="",
               summary="", requires_python=">=3.8", pure=True, metadata_version="2.1", extra_meta=()):
    """files: {archive path: bytes}. Returns the wheel's path."""
    dist_name = re.sub(r"[-_.]+", "_", name)
    dist_info = f"{dist_name}-{version}.dist-info"
    meta = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}",
            f"Summary: {summary or name}", f"Requires-Python: {requires_python}", *extra_meta]
    meta += [f"Requires-Dist: {r}" for r in requires]
    files = dict(files)
    files[f"{dist_info}/METADATA"] = ("\n".join(meta) + "\n\n").encode()
    wheel = ["Wheel-Version: 1.0", "Generator: pip-airlock-e2e", f"Root-Is-Purelib: {'true' if pure else 'false'}"]
    for tag in tags:
        py, abi, plats = tag.split("-")
        wheel += [f"Tag: {py}-{abi}-{plat}" for plat in plats.split(".")]
    files[f"{dist_info}/WHEEL"] = ("\n".join(wheel) + "\n").encode()
    if entry_points:
        files[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    record = "".join(f"{p},{record_hash(d)},{len(d)}\n" for p, d in sorted(files.items()))
    record += f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    path = os.path.join(out_dir, f"{dist_name}-{version}-{'.'.join(tags)}.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(files):
            info = zipfile.ZipInfo(p, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[p])
    return path


def tree(rel):
    """Every file under DIST/rel (no bytecode), keyed by archive path."""
    out = {}
    base = os.path.join(DIST, rel)
    for root, dirs, names in os.walk(base):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for n in names:
            if n.endswith((".pyc", ".pyo")):
                continue
            p = os.path.join(root, n)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, DIST)] = fh.read()
    if not out:
        raise SystemExit(f"nothing found under {base}: is the Debian package installed?")
    return out


def build(pypi_files, private_files):
    wheels = []
    # keyring, the real code (Debian's python3-keyring), with its own entry points.
    ep = open(os.path.join(DIST, "keyring-23.9.3.dist-info/entry_points.txt")).read()
    wheels.append(make_wheel(pypi_files, "keyring", "23.9.3", tree("keyring"), requires=[
        "jaraco.classes",
        'importlib-metadata>=3.6; python_version < "3.10"',
        'pywin32-ctypes!=0.1.0,!=0.1.1; sys_platform == "win32"',
    ], entry_points=ep, summary="Store and access your passwords safely. (repacked from Debian; "
                                "SecretStorage and jeepney requirements dropped)", requires_python=">=3.7"))
    wheels.append(make_wheel(pypi_files, "jaraco.classes", "3.2.1", tree("jaraco/classes"),
                             requires=["more-itertools"], summary="Utility functions for Python class constructs"))
    wheels.append(make_wheel(pypi_files, "more-itertools", "8.10.0", tree("more_itertools"),
                             summary="More routines for operating on iterables, beyond itertools"))

    # The per-Python-version dependency: same module, one wheel per CPython ABI, each knowing its ABI.
    for py, plat in [("cp311", "manylinux_2_17_x86_64.manylinux2014_x86_64"),
                     ("cp312", "manylinux_2_17_x86_64.manylinux2014_x86_64"),
                     ("cp310", "manylinux_2_17_x86_64.manylinux2014_x86_64"),
                     ("cp311", "musllinux_1_1_x86_64")]:
        code = (f'"""Stand-in for a compiled extension (like cffi): one wheel per CPython ABI."""\n'
                f'import sys\nABI = "{py}"\nPLATFORM = "{plat}"\n'
                f'if ABI != "cp%d%d" % sys.version_info[:2]:\n'
                f'    raise ImportError("airlock_sim_native: built for " + ABI)\n')
        wheels.append(make_wheel(pypi_files, "airlock-sim-native", "1.0.0",
                                 {"airlock_sim_native/__init__.py": code.encode()},
                                 tags=(f"{py}-{py}-{plat}",), pure=False, summary="compiled-extension stand-in",
                                 metadata_version="2.3"))

    backend = '''"""Stand-in for keyrings.google-artifactregistry-auth (pip-airlock e2e).

A keyring backend that answers for Artifact Registry hosts (*.pkg.dev) with an OAuth access token from
the GCE metadata server, as the real backend does through google-auth on a Compute Engine VM.
"""
import json
import os
import urllib.parse
import urllib.request

import airlock_sim_native  # noqa: F401  (per-Python-version dependency, like the real graph's cffi)
from keyring import backend, errors


def _token():
    host = os.environ.get("GCE_METADATA_HOST", "metadata.google.internal")
    req = urllib.request.Request(
        f"http://{host}/computeMetadata/v1/instance/service-accounts/default/token",
        headers={"Metadata-Flavor": "Google"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["access_token"]


class GooglePythonAuth(backend.KeyringBackend):
    priority = 9

    def get_password(self, service, username):
        url = urllib.parse.urlsplit(service if "://" in service else "https://" + service)
        if not (url.hostname or "").endswith(".pkg.dev"):
            return None
        return _token()

    def set_password(self, service, username, password):
        raise errors.PasswordSetError("Artifact Registry credentials come from the metadata server")

    def delete_password(self, service, username):
        raise errors.PasswordDeleteError("Artifact Registry credentials come from the metadata server")
'''
    wheels.append(make_wheel(pypi_files, "keyrings.google-artifactregistry-auth", "1.1.2",
                             {"keyrings/gauth.py": backend.encode()},
                             requires=["keyring", "airlock-sim-native"],
                             entry_points="[keyring.backends]\ngauth = keyrings.gauth\n",
                             summary="stand-in Artifact Registry keyring backend (pip-airlock e2e)",
                             metadata_version="2.4", extra_meta=["License-Expression: Apache-2.0"]))

    demo = b'"""A private package, only in the private repo."""\nMESSAGE = "hello from the private repo"\n'
    make_wheel(private_files, "airlock-private-demo", "0.1.0", {"airlock_private_demo/__init__.py": demo},
               summary="private package of the pip-airlock e2e")
    return wheels


def write_index(root, files_dir):
    projects = {}
    for f in sorted(os.listdir(files_dir)):
        projects.setdefault(re.sub(r"[-_.]+", "-", f.split("-", 1)[0]).lower(), []).append(f)
    simple = os.path.join(root, "simple")
    os.makedirs(simple, exist_ok=True)
    with open(os.path.join(simple, "index.html"), "w") as fh:
        fh.write("<!DOCTYPE html><html><body>\n" + "".join(
            f'<a href="{p}/">{p}</a>\n' for p in sorted(projects)) + "</body></html>\n")
    for p, fs in projects.items():
        os.makedirs(os.path.join(simple, p), exist_ok=True)
        links = []
        for f in fs:
            with open(os.path.join(files_dir, f), "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
            links.append(f'<a href="../../packages/{f}#sha256={digest}">{html.escape(f)}</a><br>\n')
        with open(os.path.join(simple, p, "index.html"), "w") as fh:
            fh.write("<!DOCTYPE html><html><body>\n" + "".join(links) + "</body></html>\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pypi", required=True)
    ap.add_argument("--private", required=True)
    ap.add_argument("--pip-wheel", action="append", required=True)
    args = ap.parse_args()
    pkgs = os.path.join(args.pypi, "packages")
    os.makedirs(pkgs, exist_ok=True)
    os.makedirs(args.private, exist_ok=True)
    build(pkgs, args.private)
    for w in args.pip_wheel:
        shutil.copy(w, pkgs)
    write_index(args.pypi, pkgs)
    for f in sorted(os.listdir(pkgs)):
        print("pypi:", f)
    for f in sorted(os.listdir(args.private)):
        print("private:", f)


if __name__ == "__main__":
    main()
