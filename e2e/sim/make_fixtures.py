"""Builds the fake PyPI of the simulation from real PyPI wheels, plus the few wheels written here.

  make_fixtures.py --wheelhouse DIR [--extra-wheels DIR] --pypi OUT --private OUT

The fake PyPI (OUT/simple/NAME/index.html, PEP 503 with sha256 fragments and data-requires-python
attributes from each wheel's METADATA Requires-Python, linking ../../files/FILE) serves the real wheels of this machine's local wheelhouse (DIR/files, as `pip config list` shows it:
an extra index DIR/simple) for every project of keyring's, google-auth's and virtualenv's closures on
Linux, every version the wheelhouse has of each, binary wheels and environment markers included:
  keyring 25.7.0 -> SecretStorage -> jeepney, cryptography 50.0.2 (cp311-abi3, manylinux_2_34 only)
  -> cffi 2.1.1 (cp311 only) -> pycparser; jaraco.classes/functools/context, backports.tarfile,
  importlib_metadata -> zipp (python_version markers); google-auth 2.59.1 -> cachetools, pyasn1,
  pyasn1-modules, rsa; requests -> urllib3, certifi, charset-normalizer, idna; pluggy; pip 26.2.1;
  virtualenv 21.14.1 -> distlib, filelock, platformdirs, packaging, python-discovery.
Beside them (--extra-wheels, the cache's wheels-KEY/ built by sim/build-cache.sh): wheels repacked
from Debian's own .debs (sim/repack_deb.py) for what the wheelhouse lacks: Debian 13's cffi 1.17.1
(cp313) and charset-normalizer 3.4.2 (cp313), cryptography 43.0.0 (cp37-abi3; needs only cffi>=1.12,
so a CPython 3.13 target backtracks from cryptography 50.0.2, which requires cffi>=2.0.0 and finds no
cp313 build of it), all manylinux_2_41 (built against Debian 13's glibc 2.41); and Debian 12's keyring
23.9.3 (py3-none-any, an old keyring for a skewed auth repo).
Written here (the real ones are not in the wheelhouse and cannot be downloaded):
  keyrings.google-artifactregistry-auth 1.1.2  a stand-in that behaves like the real 1.1.2: a keyring
      backend (priority 9) answering only for hosts ending in .pkg.dev, its token from
      google.auth.default(scopes=[cloud-platform]) + refresh() on every call, user oauth2accesstoken;
      requires keyring, google-auth, requests, pluggy (as the real one does)
  airlock-private-demo 99.0.0  on the fake PyPI: a public package with the private one's name and a
      higher version (the dependency-confusion attacker)
  airlock-private-demo 1.0.0   into OUT (--private): the private package a user installs
"""
import argparse
import base64
import hashlib
import html
import os
import re
import sys
import zipfile

PROJECTS = """keyring secretstorage jeepney cryptography cffi pycparser jaraco-classes jaraco-functools
jaraco-context backports-tarfile importlib-metadata zipp more-itertools google-auth cachetools pyasn1
pyasn1-modules rsa requests urllib3 certifi charset-normalizer idna pluggy pip virtualenv distlib
filelock platformdirs packaging python-discovery typing-extensions""".split()

GAUTH_PY = '''"""Stand-in for keyrings.google-artifactregistry-auth 1.1.2 (pip-airlock air-gap simulation).

Like the real backend: answers only for Artifact Registry hosts (*.pkg.dev), with an OAuth token from
Application Default Credentials (on a VM: the metadata server, through google-auth), refreshed on
every call, and the user name oauth2accesstoken.
"""
from urllib.parse import urlparse

import google.auth
import google.auth.transport.requests
from keyring import backend
from keyring.credentials import SimpleCredential

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


class GooglePythonAuth(backend.KeyringBackend):
    priority = 9

    def get_password(self, service, username):
        url = urlparse(service)
        if url.hostname is None or not url.hostname.endswith(".pkg.dev"):
            return None
        credentials, _ = google.auth.default(scopes=SCOPES)
        credentials.refresh(google.auth.transport.requests.Request())
        return credentials.token

    def get_credential(self, service, username):
        token = self.get_password(service, username)
        return SimpleCredential("oauth2accesstoken", token) if token else None

    def set_password(self, service, username, password):
        raise NotImplementedError()

    def delete_password(self, service, username):
        raise NotImplementedError()
'''


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(out_dir, name, version, files, requires=(), entry_points=""):
    dist_name = re.sub(r"[-_.]+", "_", name)
    dist_info = f"{dist_name}-{version}.dist-info"
    meta = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}", f"Summary: {name}",
            "Requires-Python: >=3.8", *[f"Requires-Dist: {r}" for r in requires]]
    files = dict(files)
    files[f"{dist_info}/METADATA"] = ("\n".join(meta) + "\n\n").encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: pip-airlock-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    if entry_points:
        files[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    record = "".join(f"{p},{record_hash(d)},{len(d)}\n" for p, d in sorted(files.items())) + f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    path = os.path.join(out_dir, f"{dist_name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(files):
            info = zipfile.ZipInfo(p, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[p])
    return path


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requires_python(path):
    """The Requires-Python of a wheel's METADATA, or None."""
    with zipfile.ZipFile(path) as zf:
        meta = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(meta) != 1:
            sys.exit(f"make_fixtures: {path} has {len(meta)} .dist-info/METADATA")
        head = zf.read(meta[0]).decode("utf-8").split("\n\n", 1)[0]
    values = [l.split(":", 1)[1].strip() for l in head.split("\n") if l.lower().startswith("requires-python:")]
    return values[0] if values else None


def link(files_dir, f):
    """One PEP 503 anchor: sha256 fragment, data-requires-python (HTML-escaped) when the wheel says."""
    path = os.path.join(files_dir, f)
    rp = requires_python(path)
    attr = f' data-requires-python="{html.escape(rp, quote=True)}"' if rp else ""
    return f'<a href="../../files/{html.escape(f)}#sha256={sha256(path)}"{attr}>{html.escape(f)}</a><br>\n'


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--wheelhouse", required=True)
    p.add_argument("--extra-wheels", help="a directory of further wheels to serve (the repacked ones)")
    p.add_argument("--pypi", required=True)
    p.add_argument("--private", required=True)
    a = p.parse_args()
    src = os.path.join(a.wheelhouse, "files")
    if not os.path.isdir(src) or not os.path.isdir(os.path.join(a.wheelhouse, "simple")):
        sys.exit(f"make_fixtures: no local wheelhouse at {a.wheelhouse} (expected files/ and simple/, the "
                 "extra index `pip config list` shows); the simulation serves real PyPI wheels from it")
    files_dir = os.path.join(a.pypi, "files")
    os.makedirs(files_dir, exist_ok=True)
    os.makedirs(a.private, exist_ok=True)
    by_project = {}
    for f in sorted(os.listdir(src)):
        if f.endswith(".whl") and normalize(f.split("-", 1)[0]) in PROJECTS:
            os.symlink(os.path.join(src, f), os.path.join(files_dir, f))
            by_project.setdefault(normalize(f.split("-", 1)[0]), []).append(f)
    for f in sorted(os.listdir(a.extra_wheels)) if a.extra_wheels else []:
        if f.endswith(".whl"):
            if os.path.exists(os.path.join(files_dir, f)):
                sys.exit(f"make_fixtures: {f} is both in the wheelhouse and in {a.extra_wheels}")
            os.symlink(os.path.join(a.extra_wheels, f), os.path.join(files_dir, f))
            by_project.setdefault(normalize(f.split("-", 1)[0]), []).append(f)
    missing = sorted(set(PROJECTS) - set(by_project))
    if missing:
        sys.exit(f"make_fixtures: the wheelhouse {src} lacks {missing}")
    ep = "[keyring.backends]\nartifactregistry = keyrings.gauth\n"
    for w in [
        make_wheel(files_dir, "keyrings.google-artifactregistry-auth", "1.1.2", {"keyrings/gauth.py": GAUTH_PY.encode()},
                   requires=["keyring", "google-auth", "requests", "pluggy"], entry_points=ep),
        make_wheel(files_dir, "airlock-private-demo", "99.0.0",
                   {"airlock_private_demo/__init__.py": b'MESSAGE = "hello from PUBLIC PyPI (dependency confusion)"\n'}),
    ]:
        by_project.setdefault(normalize(os.path.basename(w).split("-", 1)[0]), []).append(os.path.basename(w))
    make_wheel(a.private, "airlock-private-demo", "1.0.0",
               {"airlock_private_demo/__init__.py": b'MESSAGE = "hello from the private repo"\n'})
    for project, names in sorted(by_project.items()):
        d = os.path.join(a.pypi, "simple", project)
        os.makedirs(d, exist_ok=True)
        links = "".join(link(files_dir, f) for f in sorted(names))
        with open(os.path.join(d, "index.html"), "w") as fh:
            fh.write(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
        print(project, " ".join(names))
    with open(os.path.join(a.pypi, "simple", "index.html"), "w") as fh:
        fh.write("<!DOCTYPE html><html><body>\n" + "".join(f'<a href="{n}/">{n}</a><br>\n' for n in sorted(by_project)) + "</body></html>\n")


main()
