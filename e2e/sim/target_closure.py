"""Picks, for one target (CPython X.Y on glibc 2.N, x86_64), one wheel per project from a directory of
wheels: what a mirror for that target would hold (stdlib only).

  target_closure.py FILES_DIR PYTHON GLIBC_MINOR PROJECT...     e.g. ... files 3.13 41 keyring cffi ...

Per project the newest wheel whose tags the target accepts (cpXY-cpXY, cpXY-abi3 and older abi3,
py3/py3X-none, platforms `any` and manylinux_2_M / manylinux1|2010|2014 with M <= N, as pip's
--platform manylinux_2_N ... manylinux2014 list accepts them) and whose Requires-Python (METADATA)
admits X.Y; then, until nothing changes, a pick whose Requires-Dist on another listed project (its
environment marker evaluated for the target: CPython X.Y on Linux x86_64, no extra) is not satisfied by that project's pick is replaced by its next older candidate: cryptography 50.0.2 needs
cffi>=2.0.0, so where the newest acceptable cffi is 1.17.1 (CPython 3.13 here) it falls back to a
cryptography that accepts it, as pip's resolver backtracks. Prints the file names, one per line.
"""
import os
import re
import sys
import zipfile


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def release(v):
    """A version's release numbers (the wheels here are final releases)."""
    m = re.match(r"(\d+(?:\.\d+)*)", v.strip())
    return tuple(int(x) for x in m.group(1).split(".")) if m else ()


def cmp(a, b):
    n = max(len(a), len(b))
    a, b = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def satisfies(version, spec):
    """version (a tuple) against a PEP 440 specifier set such as '>=3.9, !=3.9.0' (wildcards on
    ==/!= supported)."""
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        m = re.fullmatch(r"(~=|==|!=|<=|>=|<|>)\s*(\S+)", clause)
        if not m:
            sys.exit(f"target_closure: cannot read the specifier {clause!r}")
        op, v = m.groups()
        if op in ("==", "!=") and v.endswith(".*"):
            prefix = release(v[:-2])
            ok = (version + (0,) * len(prefix))[:len(prefix)] == prefix
            if ok != (op == "=="):
                return False
            continue
        r = release(v)
        c = cmp(version, r)
        ok = {"==": c == 0, "!=": c != 0, "<=": c <= 0, ">=": c >= 0, "<": c < 0, ">": c > 0,
              "~=": c >= 0 and version[:len(r) - 1] == r[:len(r) - 1]}[op]
        if not ok:
            return False
    return True


def accepts(filename, py, glibc):
    parts = filename[:-4].split("-")
    pys, abis, plats = (set(p.split(".")) for p in parts[-3:])
    minor = py[1]

    def plat_ok(p):
        if p == "any":
            return True
        legacy = {"manylinux1_x86_64": 5, "manylinux2010_x86_64": 12, "manylinux2014_x86_64": 17}
        m = re.fullmatch(r"manylinux_2_(\d+)_x86_64", p)
        n = int(m.group(1)) if m else legacy.get(p)
        return n is not None and n <= glibc

    def pair_ok(p, a):
        if a == "none":
            return p in ("py3", f"py3{minor}", f"cp3{minor}") or any(p == f"py3{k}" for k in range(minor + 1))
        if a == "abi3":
            m = re.fullmatch(r"cp3(\d+)", p)
            return bool(m) and int(m.group(1)) <= minor
        return a == f"cp3{minor}" and p == f"cp3{minor}"

    return any(plat_ok(pl) for pl in plats) and any(pair_ok(p, a) for p in pys for a in abis)


def metadata(path):
    with zipfile.ZipFile(path) as zf:
        name = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)][0]
        head = zf.read(name).decode("utf-8").split("\n\n", 1)[0]
    fields = {}
    for line in head.split("\n"):
        k, _, v = line.partition(":")
        fields.setdefault(k.strip().lower(), []).append(v.strip())
    return fields


def marker_true(marker, env):
    """A PEP 508 environment marker, evaluated for env (extra is ""): and/or, parentheses, the
    comparison operators and in/not in; version variables compare as versions."""
    tokens = re.findall(r"\(|\)|'[^']*'|\"[^\"]*\"|not\s+in\b|[=!<>~]=|[<>]|===|\w+", marker)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def value(t):
        if t[0] in "'\"":
            return t[1:-1]
        if t not in env:
            sys.exit(f"target_closure: unknown marker variable {t!r} in {marker!r}")
        return env[t]

    def atom():
        if peek() == "(":
            take()
            v = disjunction()
            take()
            return v
        left, op, right = take(), re.sub(r"\s+", " ", take()), take()
        versions = "version" in left or "version" in right
        lv, rv = value(left), value(right)
        if op in ("in", "not in"):
            return (lv in rv) == (op == "in")
        if versions and op not in ("===",):
            return satisfies(release(lv), f"{op}{rv}")
        return {"==": lv == rv, "!=": lv != rv, "===": lv == rv}.get(op, False)

    def conjunction():
        v = atom()
        while peek() == "and":
            take()
            v = atom() and v
        return v

    def disjunction():
        v = conjunction()
        while peek() == "or":
            take()
            v = conjunction() or v
        return v

    return disjunction()


def requirement(line, env):
    """(project, specifier) of a Requires-Dist value whose marker holds for env, else None (an
    extra's requirement, or one for another platform or Python)."""
    req, _, marker = line.partition(";")
    if marker.strip() and not marker_true(marker, env):
        return None
    m = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?([^)]*)\)?\s*", req)
    if not m:
        sys.exit(f"target_closure: cannot read the requirement {line!r}")
    return norm(m.group(1)), m.group(2).strip()


def main():
    files_dir, py, glibc, projects = sys.argv[1], release(sys.argv[2]), int(sys.argv[3]), set(sys.argv[4:])
    env = {"python_version": f"{py[0]}.{py[1]}", "python_full_version": f"{py[0]}.{py[1]}.0", "sys_platform": "linux",
           "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64", "extra": "",
           "platform_python_implementation": "CPython", "implementation_name": "cpython"}
    candidates = {}
    for f in os.listdir(files_dir):
        if not f.endswith(".whl"):
            continue
        project, version = norm(f.split("-")[0]), f.split("-")[1]
        if project not in projects or not accepts(f, py, glibc):
            continue
        meta = metadata(os.path.join(files_dir, f))
        rp = meta.get("requires-python", [""])[0]
        if rp and not satisfies(py, rp):
            continue
        reqs = [r for r in (requirement(line, env) for line in meta.get("requires-dist", [])) if r and r[0] in projects]
        candidates.setdefault(project, []).append((release(version), f, reqs))
    for c in candidates.values():
        c.sort(key=lambda x: x[0], reverse=True)
    missing = sorted(projects - set(candidates))
    if missing:
        sys.exit(f"target_closure: no wheel for CPython {sys.argv[2]} / glibc 2.{glibc} of {missing}")
    pick = {p: 0 for p in candidates}
    changed = True
    while changed:
        changed = False
        for p, i in pick.items():
            _, f, reqs = candidates[p][i]
            if all(satisfies(candidates[q][pick[q]][0], spec) for q, spec in reqs if spec):
                continue
            if i + 1 >= len(candidates[p]):
                sys.exit(f"target_closure: no {p} whose requirements the other picks satisfy ({f}: {reqs})")
            pick[p] = i + 1
            changed = True
    for p in sorted(pick):
        print(candidates[p][pick[p]][1])


main()
