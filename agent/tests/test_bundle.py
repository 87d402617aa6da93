"""bundle.py: the same bytes as the shell's BUNDLE_PY, and every refusal of UNBUNDLE_PY (and a few more)."""
from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
import struct
import subprocess
import sys
import warnings
import zipfile

import pytest

from pip_airlock_agent import bundle, wheelfile
from pip_airlock_agent.ar import IndexFile
from pip_airlock_agent.errors import LocalError, Unverifiable

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "assets")
PROJECT = "pip-airlock-bundle-py3-11-2-x86-64-glibc2-36"
TARGET = "3.11.2:x86_64:2.36"
WHEELS = ["pip-24.0-py3-none-any.whl", "keyring-25.6.0-py3-none-any.whl",
          "cffi-1.17.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]
#: The bundle the shell's BUNDLE_PY builds of WHEELS (each "content of NAME" ten times) for TARGET, checked
#: with CPython 3.9, 3.11, 3.12 and 3.13: the same closure gives the same bytes, forever.
GOLDEN_NAME = "pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1.2116953227-py3-none-any.whl"
GOLDEN_SHA256 = "bc4ed6a6e21a9e6053c4c9891bae0aa36b502e134684ec87a8542646a5b0b158"


def shell_snippet(asset: str, name: str) -> str:
    """A Python program embedded in a shell template as NAME='...' (skips when the template is gone)."""
    path = os.path.join(ASSETS, asset)
    if not os.path.exists(path):
        pytest.skip(f"{asset} is gone")
    with open(path, encoding="utf-8") as fh:
        m = re.search(r"^" + name + r"='\n(.*?)^'$", fh.read(), re.S | re.M)
    if not m:
        pytest.skip(f"{asset} holds no {name}")
    return m.group(1)


@pytest.fixture
def wheels(tmp_path):
    d = tmp_path / "wheels"
    d.mkdir()
    paths = []
    for name in WHEELS:
        (d / name).write_bytes(("content of " + name).encode() * 10)
        paths.append(str(d / name))
    return paths


@pytest.fixture
def out(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return str(d)


def sha(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def listed(filename, sha256=None):
    return IndexFile(filename, "https://h/" + filename, sha256, None)


# --- build and plan ------------------------------------------------------------------------------------
def test_build_is_byte_identical_to_the_golden_bundle(wheels, out):
    path, present = bundle.plan(out, PROJECT, TARGET, wheels, [])
    assert (os.path.basename(path), present) == (GOLDEN_NAME, False)
    assert sha(path) == GOLDEN_SHA256
    assert bundle.closure_id(TARGET, wheels) == 2116953227
    assert sorted(os.listdir(out)) == [GOLDEN_NAME]  # no .part left


def test_wheel_order_does_not_change_the_bytes(wheels, out, tmp_path):
    a = bundle.build(out, PROJECT, "1.5", TARGET, wheels)
    other = tmp_path / "other"
    other.mkdir()
    b = bundle.build(str(other), PROJECT, "1.5", TARGET, list(reversed(wheels)))
    assert sha(a) == sha(b)


def test_build_replaces_a_link_at_its_part_file_without_following_it(wheels, out, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(str(victim), os.path.join(out, bundle.file_name(PROJECT, "1.5") + ".part"))
    bundle.build(out, PROJECT, "1.5", TARGET, wheels)
    assert victim.read_text() == "keep"


def test_the_content_of_a_bundle(wheels, out):
    path = bundle.build(out, PROJECT, "2.7", TARGET, wheels)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        info = "pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-2.7.dist-info/"
        assert names == ["pip_airlock_bundle/requirements.txt"] + [
            "pip_airlock_bundle/wheels/" + n for n in sorted(WHEELS)] + [info + "METADATA", info + "WHEEL", info + "RECORD"]
        metadata = zf.read(info + "METADATA").decode()
        assert f"Name: {PROJECT}\nVersion: 2.7\n" in metadata
        assert "Requires-Python: ==3.11.*\n" in metadata
        manifest = zf.read("pip_airlock_bundle/requirements.txt").decode().splitlines()
        assert manifest[0] == f"# {PROJECT} 2.7: the wheels the mirror downloaded for CPython 3.11.2, x86_64, glibc 2.36"
        assert manifest[1:] == sorted(
            f"{n.split('-')[0]}=={n.split('-')[1]} --hash=sha256:{sha(w)}" for n, w in zip(WHEELS, wheels))
        for entry in zf.infolist():
            assert entry.date_time == (1980, 1, 1, 0, 0, 0) and entry.compress_type == zipfile.ZIP_STORED


@pytest.mark.parametrize("listing, version, present", [
    ([], "1.ID", False),
    ([("OTHER-9.1-py3-none-any.whl", None)], "1.ID", False),  # another project's bundle
    ([("SELF-1.ID-py3-none-any.whl", "SHA")], "1.ID", True),  # this very file
    ([("SELF-1.ID-py3-none-any.whl", None)], "1.ID", True),  # no sha256 on the index: its presence counts
    ([("SELF-1.ID-py3-none-any.whl", "0" * 64)], "2.ID", False),  # same closure, other bytes: above it
    ([("SELF-3.12-py3-none-any.whl", "0" * 64), ("SELF-1.ID-py3-none-any.whl", "SHA")], "4.ID", False),
    ([("SELF-7.ID-py3-none-any.whl", "SHA"), ("SELF-2.5-py3-none-any.whl", None)], "7.ID", True),
    ([("SELF-1.2.3-py3-none-any.whl", None), ("SELF-x.1-py3-none-any.whl", None)], "1.ID", False),  # not N.M
    ([("SELF-5.1.tar.gz", None)], "1.ID", False),  # not a wheel
])
def test_plan(wheels, out, tmp_path, listing, version, present):
    ident = bundle.closure_id(TARGET, wheels)
    dist = PROJECT.replace("-", "_")
    # the bytes of this closure's bundle at each version the listing names
    ref = tmp_path / "ref"
    ref.mkdir()
    items = []
    for name, digest in listing:
        name = name.replace("SELF", dist).replace("OTHER", "pip_airlock_bundle_py3_9_2_x86_64_glibc2_31").replace("ID", str(ident))
        if digest == "SHA":
            digest = sha(bundle.build(str(ref), PROJECT, name.split("-")[1], TARGET, wheels))
        items.append(listed(name, digest))
    path, got = bundle.plan(out, PROJECT, TARGET, wheels, items)
    assert os.path.basename(path) == bundle.file_name(PROJECT, version.replace("ID", str(ident)))
    assert got is present
    assert os.listdir(out) == [os.path.basename(path)]  # a stale build of the listed version is removed


def test_plan_needs_wheels(out):
    with pytest.raises(LocalError):
        bundle.plan(out, PROJECT, TARGET, [], [])


@pytest.mark.parametrize("listing", [[], [("SELF-1.ID", "SHA")], [("SELF-1.ID", "0" * 64)], [("SELF-4.77", None)]])
def test_plan_matches_the_shells_bundle_py(wheels, out, tmp_path, listing):
    """The shell's BUNDLE_PY (when the template still holds it), fed the same listing on stdin."""
    program = shell_snippet("mirror.sh.mustache", "BUNDLE_PY")
    ident = bundle.closure_id(TARGET, wheels)
    ref = tmp_path / "ref"
    ref.mkdir()
    items = []
    for name, digest in listing:
        name = name.replace("SELF", PROJECT.replace("-", "_")).replace("ID", str(ident)) + "-py3-none-any.whl"
        if digest == "SHA":
            digest = sha(bundle.build(str(ref), PROJECT, name.split("-")[1], TARGET, wheels))
        items.append(listed(name, digest))
    stdin = "".join(f"{i.filename} {i.sha256 or '-'} {i.url} -\n" for i in items)
    shell_out = tmp_path / "shell"
    shell_out.mkdir()
    done = subprocess.run([sys.executable, "-c", program, "plan", str(shell_out), PROJECT, TARGET] + wheels,
                          input=stdin, capture_output=True, text=True, check=True)
    shell_path, shell_status = done.stdout.split()
    path, present = bundle.plan(out, PROJECT, TARGET, wheels, items)
    assert os.path.basename(path) == os.path.basename(shell_path)
    assert present == (shell_status == "present")
    assert sha(path) == sha(shell_path)


# --- verify_and_unpack: the refusals ------------------------------------------------------------------
def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def read_entries(path):
    with zipfile.ZipFile(path) as zf:
        return [(n, zf.read(n)) for n in zf.namelist()]


def write_zip(path, entries, record="auto", info="pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1.5.dist-info/", attrs=None):
    """A zip of (name, bytes) entries; record="auto" writes a RECORD that matches them all."""
    entries = [(n, d) for n, d in entries if n != info + "RECORD"]
    if record == "auto":
        record = ("".join(f"{n},sha256={b64(d)},{len(d)}\n" for n, d in entries) + info + "RECORD,,\n").encode()
    if record is not None:
        entries.append((info + "RECORD", record))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in entries:
                entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                entry.create_system = 3
                entry.external_attr = (attrs or {}).get(name, 0o644 << 16)
                zf.writestr(entry, data)
    return path


INFO = "pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1.5.dist-info/"
REQ = "pip_airlock_bundle/requirements.txt"
KEYRING = "pip_airlock_bundle/wheels/keyring-25.6.0-py3-none-any.whl"
PIP = "pip_airlock_bundle/wheels/pip-24.0-py3-none-any.whl"


def replace(entries, name, data):
    return [(n, data if n == name else d) for n, d in entries]


def drop(entries, name):
    return [(n, d) for n, d in entries if n != name]


def record_of(entries):
    return dict(entries)[INFO + "RECORD"].decode()


def pin_line(entries, project):
    return next(line for line in dict(entries)[REQ].decode().splitlines() if line.startswith(project + "=="))


def _cases():
    """(id, how the valid bundle's entries become the bad one, what the refusal says, same as UNBUNDLE_PY)."""
    def rewrite_record(fn):
        return lambda e, p: write_zip(p, e, record=fn(record_of(e)).encode())

    return [
        ("not-a-zip", lambda e, p: open(p, "wb").write(b"this is no zip") and p, "not a zip file (File is not a zip file)", True),
        ("entry-twice", lambda e, p: write_zip(p, e + [(KEYRING, dict(e)[KEYRING])]), "an entry appears twice", True),
        ("no-record", lambda e, p: write_zip(p, e, record=None), f"no {INFO}RECORD", True),
        ("record-row-malformed", rewrite_record(lambda r: r + "extra,row\n"), "a RECORD row is malformed or repeated: ['extra', 'row']", True),
        ("record-row-repeated", rewrite_record(lambda r: r + r.splitlines()[0] + "\n"), "a RECORD row is malformed or repeated: ['pip_airlock_bundle/requirements.txt'", True),
        ("unexpected-entry", lambda e, p: write_zip(p, e + [("pip_airlock_bundle/extra.txt", b"x")]), "unexpected entry pip_airlock_bundle/extra.txt", True),
        ("unexpected-dist-info-file", lambda e, p: write_zip(p, e + [(INFO + "entry_points.txt", b"x")]), f"unexpected entry {INFO}entry_points.txt", True),
        ("not-in-record", rewrite_record(lambda r: "".join(l + "\n" for l in r.splitlines() if not l.startswith(INFO + "WHEEL"))), f"{INFO}WHEEL is not in RECORD", True),
        ("not-matching-record", lambda e, p: write_zip(p, replace(e, INFO + "WHEEL", dict(e)[INFO + "WHEEL"] + b"X"), record=dict(e)[INFO + "RECORD"]), f"{INFO}WHEEL does not match its RECORD entry", True),
        ("record-lists-missing", lambda e, p: write_zip(p, drop(e, INFO + "WHEEL"), record=dict(e)[INFO + "RECORD"]), f"RECORD lists what the wheel lacks: ['{INFO}WHEEL']", True),
        ("metadata-other-project", lambda e, p: write_zip(p, replace(e, INFO + "METADATA", dict(e)[INFO + "METADATA"].replace(b"Name: " + PROJECT.encode(), b"Name: evil"))), f"its METADATA names evil 1.5, not {PROJECT} 1.5", True),
        ("metadata-other-version", lambda e, p: write_zip(p, replace(e, INFO + "METADATA", dict(e)[INFO + "METADATA"].replace(b"Version: 1.5", b"Version: 1.6"))), f"its METADATA names {PROJECT} 1.6, not {PROJECT} 1.5", True),
        ("no-metadata", lambda e, p: write_zip(p, drop(e, INFO + "METADATA")), f"its METADATA names  , not {PROJECT} 1.5", True),
        ("no-manifest", lambda e, p: write_zip(p, drop(e, REQ)), "no pip_airlock_bundle/requirements.txt (the manifest)", True),
        ("bad-manifest-line", lambda e, p: write_zip(p, replace(e, REQ, dict(e)[REQ] + b"keyring>=1\n")), "a manifest line is not one NAME==VERSION --hash=sha256:HEX pin: keyring>=1", True),
        ("pinned-twice", lambda e, p: write_zip(p, replace(e, REQ, dict(e)[REQ] + pin_line(e, "keyring").replace("keyring", "Keyring").encode() + b"\n")), "a manifest line is not one NAME==VERSION --hash=sha256:HEX pin: Keyring==25.6.0", True),
        ("wheel-not-pinned", lambda e, p: write_zip(p, replace(e, REQ, "".join(l + "\n" for l in dict(e)[REQ].decode().splitlines() if not l.startswith("keyring")).encode())), "keyring-25.6.0-py3-none-any.whl is not exactly one wheel the manifest pins", True),
        ("two-wheels-one-pin", lambda e, p: write_zip(p, e + [("pip_airlock_bundle/wheels/keyring-25.6.0-py2-none-any.whl", dict(e)[KEYRING])]), "keyring-25.6.0-py3-none-any.whl is not exactly one wheel the manifest pins", True),
        ("wheel-name-not-a-wheel", lambda e, p: write_zip(p, e + [("pip_airlock_bundle/wheels/keyring.whl", b"x")]), "keyring.whl is not exactly one wheel the manifest pins", True),
        ("wheel-sha-differs", lambda e, p: write_zip(p, replace(e, KEYRING, b"forged")), "keyring-25.6.0-py3-none-any.whl: its sha256 is not the one the manifest pins", True),
        ("pinned-wheel-missing", lambda e, p: write_zip(p, drop(e, KEYRING)), "the manifest pins wheels the bundle lacks: [('keyring', '25.6.0')]", True),
        # Beyond UNBUNDLE_PY: names that leave the directory, links, sizes.
        ("dotdot", lambda e, p: write_zip(p, e + [("../x", b"x")]), "unsafe entry name '../x'", False),
        ("dotdot-inside", lambda e, p: write_zip(p, e + [("pip_airlock_bundle/wheels/../../x.whl", b"x")]), "unsafe entry name 'pip_airlock_bundle/wheels/../../x.whl'", False),
        ("absolute", lambda e, p: write_zip(p, e + [("/etc/cron.d/x", b"x")]), "unsafe entry name '/etc/cron.d/x'", False),
        ("backslash", lambda e, p: write_zip(p, e + [("..\\x", b"x")]), "unsafe entry name '..\\\\x'", False),
        ("symlink", lambda e, p: write_zip(p, e, attrs={KEYRING: (stat.S_IFLNK | 0o777) << 16}), f"{KEYRING} is a symbolic link", False),
        ("device", lambda e, p: write_zip(p, e, attrs={KEYRING: (stat.S_IFCHR | 0o644) << 16}), f"{KEYRING} is not a regular file", False),
        ("declared-oversized", lambda e, p: declare_size(write_zip(p, e), KEYRING, 300 * 1024 * 1024), "its entries declare more than 268435456 bytes (at most 256 MiB)", False),
    ]


def declare_size(path, name, size):
    """The zip with NAME's central directory entry declaring SIZE bytes (its data unchanged)."""
    data = bytearray(open(path, "rb").read())
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_len].decode() == name:
            struct.pack_into("<I", data, at + 24, size)
            break
        at += 4
    open(path, "wb").write(bytes(data))
    return path


CASES = _cases()


@pytest.fixture
def valid(wheels, out):
    return bundle.build(out, PROJECT, "1.5", TARGET, wheels)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refusals(valid, tmp_path, case):
    name, make, why, _ = case
    bad = str(tmp_path / "bad.whl")
    make(read_entries(valid), bad)
    dest = tmp_path / "dest"
    with pytest.raises(Unverifiable) as raised:
        bundle.verify_and_unpack(bad, PROJECT, "1.5", str(dest))
    assert str(raised.value).startswith("bundle refused: " + why)
    assert not dest.exists()  # nothing written: never half used


@pytest.mark.parametrize("case", [c for c in CASES if c[3]], ids=[c[0] for c in CASES if c[3]])
def test_refusals_are_the_shells(valid, tmp_path, case):
    """UNBUNDLE_PY (while the bootstrap template holds it) refuses the same bundle with the same words."""
    program = shell_snippet("bootstrap.sh.mustache", "UNBUNDLE_PY")
    name, make, why, _ = case
    bad = str(tmp_path / "bad.whl")
    make(read_entries(valid), bad)
    done = subprocess.run([sys.executable, "-c", program, bad, PROJECT, "1.5", str(tmp_path / "shell")],
                          capture_output=True, text=True)
    assert done.returncode != 0
    with pytest.raises(Unverifiable) as raised:
        bundle.verify_and_unpack(bad, PROJECT, "1.5", str(tmp_path / "dest"))
    assert done.stderr.strip() == str(raised.value)


def test_valid_bundle_passes_the_shells_check_too(valid, tmp_path):
    program = shell_snippet("bootstrap.sh.mustache", "UNBUNDLE_PY")
    done = subprocess.run([sys.executable, "-c", program, valid, PROJECT, "1.5", str(tmp_path / "shell")],
                          capture_output=True, text=True, check=True)
    got = bundle.verify_and_unpack(valid, PROJECT, "1.5", str(tmp_path / "dest"))
    assert done.stdout.strip() == got.pip_wheel
    for name in ("install.txt", "requirements.txt"):
        assert (tmp_path / "shell" / name).read_bytes() == (tmp_path / "dest" / name).read_bytes()
    assert sorted(os.listdir(tmp_path / "shell" / "wheels")) == sorted(os.listdir(got.wheels_dir))


def test_oversized_bundle_is_refused_before_reading(valid, tmp_path, monkeypatch):
    monkeypatch.setattr(wheelfile, "MAX_TOTAL_BYTES", 100)
    with pytest.raises(Unverifiable, match="bundle refused: its entries declare more than 100 bytes"):
        bundle.verify_and_unpack(valid, PROJECT, "1.5", str(tmp_path / "dest"))


def test_too_many_entries(valid, tmp_path, monkeypatch):
    monkeypatch.setattr(wheelfile, "MAX_ENTRIES", 3)
    with pytest.raises(Unverifiable, match="bundle refused: 7 entries, more than the 3"):
        bundle.verify_and_unpack(valid, PROJECT, "1.5", str(tmp_path / "dest"))


def test_entry_larger_than_declared_is_refused(valid, tmp_path):
    """A header that declares fewer bytes than the entry holds (the total cap alone would not catch it)."""
    bad = declare_size(write_zip(str(tmp_path / "bad.whl"), read_entries(valid)), KEYRING, 5)
    with pytest.raises(Unverifiable, match="bundle refused: "):
        bundle.verify_and_unpack(bad, PROJECT, "1.5", str(tmp_path / "dest"))
    assert not (tmp_path / "dest").exists()


# --- verify_and_unpack: what it writes ----------------------------------------------------------------
def test_unpack(valid, wheels, tmp_path):
    dest = tmp_path / "dest"
    got = bundle.verify_and_unpack(valid, PROJECT, "1.5", str(dest))
    assert got == bundle.Unpacked(str(dest / "wheels"), str(dest / "requirements.txt"), str(dest / "install.txt"),
                                  "pip-24.0-py3-none-any.whl", 3,
                                  {os.path.basename(p): hashlib.sha256(open(p, "rb").read()).digest().hex() for p in wheels}, b"")
    assert sorted(os.listdir(dest)) == ["install.txt", "requirements.txt", "wheels"]
    assert sorted(os.listdir(dest / "wheels")) == sorted(WHEELS)
    for path in wheels:
        assert (dest / "wheels" / os.path.basename(path)).read_bytes() == open(path, "rb").read()
    assert (dest / "requirements.txt").read_bytes() == dict(read_entries(valid))[REQ]
    install = (dest / "install.txt").read_text().splitlines()
    assert [line.split("==")[0] for line in install] == ["cffi", "keyring"]  # every pin but pip's, sorted
    assert all(re.fullmatch(r"[a-z]+==[0-9.]+ --hash=sha256:[0-9a-f]{64}", line) for line in install)
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o700


def test_bundle_without_pip(wheels, out, tmp_path):
    path = bundle.build(out, PROJECT, "1.5", TARGET, [w for w in wheels if "pip-" not in w])
    got = bundle.verify_and_unpack(path, PROJECT, "1.5", str(tmp_path / "dest"))
    assert got.pip_wheel is None and got.count == 2
    assert len((tmp_path / "dest" / "install.txt").read_text().splitlines()) == 2


@pytest.mark.parametrize("existing", ["dir", "file", "symlink", "dangling"])
def test_refuses_an_existing_destination(valid, tmp_path, existing):
    dest = tmp_path / "dest"
    target = tmp_path / "elsewhere"
    target.mkdir()
    if existing == "dir":
        dest.mkdir()
    elif existing == "file":
        dest.write_text("x")
    elif existing == "symlink":
        os.symlink(str(target), str(dest))
    else:
        os.symlink(str(tmp_path / "nowhere"), str(dest))
    with pytest.raises(LocalError, match="exists"):
        bundle.verify_and_unpack(valid, PROJECT, "1.5", str(dest))
    assert os.listdir(target) == []
    assert not (tmp_path / "nowhere").exists()


def test_wrong_version_asked(valid, tmp_path):
    with pytest.raises(Unverifiable, match=r"bundle refused: no pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1\.6\.dist-info/RECORD"):
        bundle.verify_and_unpack(valid, PROJECT, "1.6", str(tmp_path / "dest"))
