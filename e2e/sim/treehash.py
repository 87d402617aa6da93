"""Prints one line per entry under each DIR: path, type, mode, and for files size, mtime and sha256
(for symlinks the target). Two equal outputs mean nothing was created, removed, rewritten or changed.

  treehash.py [--no-hash] DIR...     (--no-hash: size and mtime only, for large trees)
"""
import hashlib
import os
import stat
import sys

args = sys.argv[1:]
hashing = args[:1] != ["--no-hash"]
if not hashing:
    args = args[1:]
for top in args:
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(root, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, top)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                print(f"{top} {rel} link {mode:o} -> {os.readlink(p)}")
            elif stat.S_ISREG(st.st_mode):
                digest = "-"
                if hashing:
                    with open(p, "rb") as fh:
                        digest = hashlib.sha256(fh.read()).hexdigest()
                print(f"{top} {rel} file {mode:o} {st.st_size} {st.st_mtime_ns} {digest}")
            elif stat.S_ISDIR(st.st_mode):
                print(f"{top} {rel} dir {mode:o}")
            else:
                print(f"{top} {rel} other {st.st_mode:o} {st.st_rdev}")
