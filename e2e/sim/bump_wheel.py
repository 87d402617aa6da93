"""Writes a copy of a wheel as a newer release of the same project: the same code, its dist-info renamed
and its METADATA's Version set to VERSION, RECORD rewritten with the new files' sha256. For the day-2
scenario: "a newer keyring appears on PyPI" without one in the wheelhouse.

  bump_wheel.py WHEEL VERSION OUT_DIR      prints the new file's path
"""
import base64
import hashlib
import os
import re
import sys
import zipfile

src, version, out_dir = sys.argv[1:]
base = os.path.basename(src)
name, old = base.split("-")[:2]
new_base = base.replace(f"{name}-{old}-", f"{name}-{version}-", 1)
old_info, new_info = f"{name}-{old}.dist-info/", f"{name}-{version}.dist-info/"
entries = []
with zipfile.ZipFile(src) as zin:
    for item in zin.infolist():
        data = zin.read(item.filename)
        path = new_info + item.filename[len(old_info):] if item.filename.startswith(old_info) else item.filename
        if path == new_info + "METADATA":
            data, n = re.subn(rb"(?m)^Version: .*$", f"Version: {version}".encode(), data, count=1)
            if n != 1:
                sys.exit(f"bump_wheel: no Version in {src}'s METADATA")
        if path != new_info + "RECORD":
            entries.append((path, data))
record = "".join(
    f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n" for p, d in entries
) + f"{new_info}RECORD,,\n"
out = os.path.join(out_dir, new_base)
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
    for p, d in entries:
        zout.writestr(p, d)
    zout.writestr(new_info + "RECORD", record)
print(out)
