"""Assertions the scenarios make about what the scripts left: the fake AR's files, bundles, pip's
downloads, wheels' metadata, twine's results, logs on a host's disk. Each subcommand exits 0 with a
one-line summary, or fails with what differs (`check` shows it).

  checks.py repo-from-pypi FILES_JSON REPO PYPI_DIR [--closure NAMES] [--one-per-project]
            [--has FILE]... [--has-prefix PREFIX]...
  checks.py bundle-wheels INSPECT_JSON [--has FILE]... [--lacks-prefix P]... [--lacks-substring S]...
  checks.py bundle-pins INSPECT_JSON FILES_JSON REPO REQUIRES_PYTHON
  checks.py lock-matches LOCK (--repo FILES_JSON REPO | --bundle INSPECT_JSON)
  checks.py repo-has-projects FILES_JSON REPO NAMES
  checks.py closure-fits DIR PYTHON GLIBC_MINOR
  checks.py same-picks DIR PICKS
  checks.py wheel-metadata WHEEL
  checks.py newer-metadata DIR [VERSION]
  checks.py twine-each EACH_TXT FILES_JSON REPO UPLOAD_DIR REFUSABLE
  checks.py never-status ATTRS_LOG KEY VALUE...
  checks.py apt-after-lock LOCK_LOG APT_HISTORY
  checks.py uv-toml UV_TOML INDEX_URL

(INSPECT_JSON: sim/inspect_bundle.py's output; FILES_JSON: the fake AR's admin GET /files; NAMES: one
argument of space-separated project names.)
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import sys
import tomllib
import zipfile

BUNDLE_PREFIX = "pip_airlock_bundle"
SIGNED_SET_PREFIX = "pip_airlock_signed_set"


def project(filename):
    """A distribution file's project name, normalized (PEP 503)."""
    return re.sub(r"[-_.]+", "-", filename.split("-")[0]).lower()


def sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def load_json(path):
    """A JSON document from a file, or from stdin for '-'."""
    if path == "-":
        return json.load(sys.stdin)
    with open(path) as fh:
        return json.load(fh)


def repo_wheels(files_json, repo):
    """A repository's files and their sha256s in a fake AR listing, bundles and signed sets aside."""
    return {f: sha for f, sha in load_json(files_json)[repo].items() if not f.startswith((BUNDLE_PREFIX, SIGNED_SET_PREFIX))}


def repo_from_pypi(args):
    """Every file of the repository (bundles aside) is byte-identical to the fake PyPI's; with
    --closure every named project is there, with --one-per-project each once; --has and --has-prefix
    name files that must be among them."""
    files = repo_wheels(args.files, args.repo)
    projects = {}
    for f, sha in files.items():
        projects.setdefault(project(f), []).append(f)
        real = sha256(os.path.join(args.pypi, f)) if os.path.exists(os.path.join(args.pypi, f)) else None
        assert real == sha, f"{f}: not the fake PyPI's file ({sha} vs {real})"
    if args.closure is not None:
        missing = set(args.closure.split()) - set(projects)
        assert not missing, f"missing projects: {sorted(missing)}"
    if args.one_per_project:
        multi = {p: fs for p, fs in projects.items() if len(fs) > 1}
        assert not multi, f"more than one file per project for one target: {multi}"
    missing = sorted(set(args.has) - set(files))
    assert not missing, f"missing: {missing}"
    for prefix in args.has_prefix:
        assert any(f.startswith(prefix) for f in files), f"no {prefix}*"
    print(f"{len(files)} files, {len(projects)} projects")


def bundle_wheels(args):
    """The bundle holds the --has wheels, none starting with a --lacks-prefix or containing a
    --lacks-substring."""
    wheels = set(load_json(args.bundle)["wheels"])
    missing = sorted(set(args.has) - wheels)
    assert not missing, f"missing {missing} in {sorted(wheels)}"
    for prefix in args.lacks_prefix:
        assert not any(f.startswith(prefix) for f in wheels), f"{prefix}* in the bundle"
    for part in args.lacks_substring:
        assert not any(part in f for f in wheels), f"a wheel with {part} in the bundle"
    print(f"{len(wheels)} wheels")


def bundle_pins(args):
    """The bundle's manifest pins exactly the repository's files (bundles aside) with their sha256s,
    and its Requires-Python is REQUIRES_PYTHON."""
    bundle = load_json(args.bundle)
    files = repo_wheels(args.files, args.repo)
    assert bundle["wheels"] == files, f"the bundle holds {sorted(bundle['wheels'])}, the auth repo {sorted(files)}"
    assert bundle["requires_python"] == args.requires_python, bundle["requires_python"]
    print(f"{bundle['project']} {bundle['version']}: {len(files)} wheels, each with the auth repo's sha256")


def lock_matches(args):
    """The sha256s of the repository's files (bundles aside), or of a bundle's wheels, are exactly
    the lock's hashes."""
    want = {line.split(" --hash=sha256:")[1] for line in args.lock.splitlines()}
    if args.repo:
        got, what = set(repo_wheels(*args.repo).values()), "auth repo sha256s"
    else:
        got, what = set(load_json(args.bundle)["wheels"].values()), "the bundle"
    assert got == want, f"{what} differ from the lock: missing {sorted(want - got)}, extra {sorted(got - want)}"
    print(f"{len(got)} files, exactly the lock's hashes")


def repo_has_projects(args):
    """Every named project has a file in the repository."""
    files = load_json(args.files)[args.repo]
    got = {project(f) for f in files}
    need = set(args.names.split())
    assert not need - got, f"not in {args.repo}: {sorted(need - got)}"
    print(f"{len(files)} files in {args.repo}")


def closure_fits(args):
    """One wheel per project in DIR, each one CPython PYTHON on glibc 2.GLIBC_MINOR accepts (its
    platform and ABI tags)."""
    py, glibc = tuple(int(x) for x in args.python.split(".")), int(args.glibc)
    files = sorted(os.listdir(args.dir))
    projects = {}
    for f in files:
        projects.setdefault(project(f), []).append(f)
    multi = {p: fs for p, fs in projects.items() if len(fs) > 1}
    assert not multi, f"more than one file per project: {multi}"
    for f in files:
        pys, abis, plats = (set(x.split(".")) for x in f[:-4].split("-")[-3:])
        for plat in plats - {"any", "manylinux2014_x86_64"}:
            assert re.fullmatch(r"manylinux_2_(\d+)_x86_64", plat), f"{f}: platform {plat}"
        ok_plat = "any" in plats or "manylinux2014_x86_64" in plats or any(
            int(m.group(1)) <= glibc for m in (re.fullmatch(r"manylinux_2_(\d+)_x86_64", p) for p in plats) if m)
        assert ok_plat, f"{f}: no platform tag for glibc 2.{glibc}"
        cp = f"cp{py[0]}{py[1]}"
        ok_abi = "none" in abis or cp in abis or ("abi3" in abis and any(
            re.fullmatch(r"cp3(\d+)", p) and int(p[3:]) <= py[1] for p in pys))
        assert ok_abi, f"{f}: not for CPython {args.python}"
    print(f"{len(files)} files, {len(projects)} projects")


def same_picks(args):
    """For every project both have, the file in DIR (pip's pick) is the one in PICKS."""
    pip = {project(f): f for f in os.listdir(args.dir)}
    seed = {project(f): f for f in args.picks.split()}
    diff = {p: (pip[p], seed[p]) for p in pip.keys() & seed.keys() if pip[p] != seed[p]}
    assert not diff, f"pip vs seed: {diff}"
    print(f"{len(pip.keys() & seed.keys())} projects agree; only pip: {sorted(pip.keys() - seed.keys())}; "
          f"only the seed: {sorted(seed.keys() - pip.keys())}")


def metadata_of(wheel):
    """A wheel's METADATA (its dist-info's)."""
    with zipfile.ZipFile(wheel) as zf:
        name = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)][0]
        return zf.read(name).decode()


def wheel_metadata(args):
    print(metadata_of(args.wheel), end="")


def newer_metadata(args):
    """The wheels in DIR whose Metadata-Version is above VERSION (2.4: what packaging 25.0 reads)."""
    limit = tuple(int(x) for x in args.version.split("."))
    for f in sorted(os.listdir(args.dir)):
        v = re.search(r"^Metadata-Version: *(\S+)", metadata_of(os.path.join(args.dir, f)), re.M).group(1)
        if tuple(int(x) for x in v.split(".")) > limit:
            print(f)


def twine_each(args):
    """twine, one file at a time (EACH_TXT: "RC FILE" lines), refused exactly the REFUSABLE files,
    none of which is in the repository, and uploaded every other one intact."""
    with open(args.each) as fh:
        rcs = dict(reversed(line.split()) for line in fh)
    refusable = set(args.refusable.split())
    files = load_json(args.files)[args.repo]
    refused = {f for f, rc in rcs.items() if rc != "0"}
    assert refused == refusable, f"refused {sorted(refused)}, but Metadata-Version > 2.4 are {sorted(refusable)}"
    for f in rcs:
        if f in refused:
            assert f not in files, f"{f} refused yet in the auth repo"
        else:
            assert files.get(f) == sha256(os.path.join(args.upload, f)), f"{f} not uploaded intact"
    print(f"{len(rcs) - len(refused)} uploaded, refused (Metadata-Version 2.5): {' '.join(sorted(refused))}")


def never_status(args):
    """No accepted write of KEY (a guest attributes log) was any of the VALUEs."""
    with open(args.log) as fh:
        statuses = [r["value"] for r in map(json.loads, fh) if r["key"] == args.key and r["accepted"]]
    assert not set(args.values) & set(statuses), statuses
    print(statuses)


def apt_after_lock(args):
    """apt's last install started (its history's Start-Date) after the first-boot job released the
    dpkg lock (sim/firstboot_lock.py's log)."""
    with open(args.lock_log) as fh:
        lock = dict(line.split() for line in fh)
    with open(args.history) as fh:
        starts = [line.split(": ", 1)[1].strip() for line in fh if line.startswith("Start-Date:")]
    assert starts, "apt never ran"
    t = datetime.datetime.strptime(starts[-1], "%Y-%m-%d  %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
    assert "released" in lock, "the lock holder never released"
    assert t >= int(float(lock["released"])), f"apt started at {t}, before the first-boot lock was released ({lock})"
    print(f"apt install started {t - float(lock['held']):.1f}s after the lock was taken")


def uv_toml(args):
    """uv.toml uses keyring as a subprocess and INDEX_URL as its one default index."""
    with open(args.file, "rb") as fh:
        c = tomllib.load(fh)
    assert c["keyring-provider"] == "subprocess", c
    assert [i["url"] for i in c["index"] if i.get("default")] == [args.index_url], c


def main():
    parser = argparse.ArgumentParser(prog="checks.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, run, *positional):
        p = sub.add_parser(name, help=run.__doc__)
        for arg in positional:
            p.add_argument(arg)
        p.set_defaults(run=run)
        return p

    p = command("repo-from-pypi", repo_from_pypi, "files", "repo", "pypi")
    p.add_argument("--closure")
    p.add_argument("--one-per-project", action="store_true")
    p.add_argument("--has", action="append", default=[])
    p.add_argument("--has-prefix", action="append", default=[])
    p = command("bundle-wheels", bundle_wheels, "bundle")
    p.add_argument("--has", action="append", default=[])
    p.add_argument("--lacks-prefix", action="append", default=[])
    p.add_argument("--lacks-substring", action="append", default=[])
    command("bundle-pins", bundle_pins, "bundle", "files", "repo", "requires_python")
    p = command("lock-matches", lock_matches, "lock")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--repo", nargs=2, metavar=("FILES_JSON", "REPO"))
    which.add_argument("--bundle")
    command("repo-has-projects", repo_has_projects, "files", "repo", "names")
    command("closure-fits", closure_fits, "dir", "python", "glibc")
    command("same-picks", same_picks, "dir", "picks")
    command("wheel-metadata", wheel_metadata, "wheel")
    command("newer-metadata", newer_metadata, "dir").add_argument("version", nargs="?", default="2.4")
    command("twine-each", twine_each, "each", "files", "repo", "upload", "refusable")
    command("never-status", never_status, "log", "key").add_argument("values", nargs="+")
    command("apt-after-lock", apt_after_lock, "lock_log", "history")
    command("uv-toml", uv_toml, "file", "index_url")
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
