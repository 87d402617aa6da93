"""Reads a bundle the mirror published (a wheel holding a target's closure), independently of the
scripts' own code, and checks it is what the bootstrap trusts: a valid wheel (METADATA Name and
Version as its file name says, RECORD with the right sha256 and size of every other entry), whose
manifest pins each wheel it holds by name, version and sha256, and nothing more.

  inspect_bundle.py BUNDLE.whl    prints JSON: project, version, requires_python, wheels {file: sha256}

Exits non-zero, saying why, when any of it does not hold.
"""
import base64
import csv
import hashlib
import io
import json
import re
import sys
import zipfile


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


path = sys.argv[1]
filename = path.rsplit("/", 1)[-1]
dist, version, python_tag, abi, platform = filename[: -len(".whl")].split("-")
assert (python_tag, abi, platform) == ("py3", "none", "any"), f"{filename}: tags {python_tag}-{abi}-{platform}"
info = f"{dist}-{version}.dist-info/"
with zipfile.ZipFile(path) as zf:
    names = zf.namelist()
    data = {n: zf.read(n) for n in names}
record = {row[0]: row for row in csv.reader(io.StringIO(data[info + "RECORD"].decode())) if row}
assert set(record) == set(names), f"RECORD and the entries differ: {set(record) ^ set(names)}"
for name in names:
    if name == info + "RECORD":
        continue
    digest = base64.urlsafe_b64encode(hashlib.sha256(data[name]).digest()).rstrip(b"=").decode()
    assert record[name][1:] == [f"sha256={digest}", str(len(data[name]))], f"{name}: RECORD says {record[name][1:]}"
head = data[info + "METADATA"].decode().split("\n\n", 1)[0]
meta = dict(line.split(": ", 1) for line in head.splitlines())
assert norm(meta["Name"]) == norm(dist) and meta["Version"] == version, meta
wheels = {n.rsplit("/", 1)[-1]: hashlib.sha256(d).hexdigest() for n, d in data.items() if n.startswith("pip_airlock_bundle/wheels/")}
pins = {}
for line in data["pip_airlock_bundle/requirements.txt"].decode().splitlines():
    if line and not line.startswith("#"):
        m = re.fullmatch(r"(\S+)==(\S+) --hash=sha256:([0-9a-f]{64})", line)
        assert m, f"manifest line {line!r}"
        pins[(norm(m[1]), m[2])] = m[3]
by_pin = {(norm(f.split("-")[0]), f.split("-")[1]): sha for f, sha in wheels.items()}
assert by_pin == pins, f"the manifest and the wheels differ: {set(by_pin.items()) ^ set(pins.items())}"
extra = set(names) - {info + "METADATA", info + "WHEEL", info + "RECORD", "pip_airlock_bundle/requirements.txt",
                      "pip_airlock_bundle/sbom.cdx.json"} - {
    "pip_airlock_bundle/wheels/" + f for f in wheels}
assert not extra, f"unexpected entries {extra}"
json.dump({"project": norm(meta["Name"]), "version": version, "requires_python": meta.get("Requires-Python"),
           "wheels": wheels}, sys.stdout, indent=1, sort_keys=True)
print()
