"""What the e2e harness (e2e/lib.sh and e2e/harness/*.sh, and run.sh) reads and computes in Python:
the synth's world.json, the fake servers' counters, guest attributes, time, config variants.

  harness.py json-field FILE|- KEY...          the value at that key path (a string as is, else JSON)
  harness.py ar-args WORLD_JSON                 the fake AR's --repo/--grant arguments, one a line
  harness.py ar-client IP [KEY]                 (admin JSON on stdin) one client's counters, or one of them
  harness.py repo-files FILES_JSON REPO         the file names of a repository in a fake AR listing
  harness.py guest-attr FILE KEY                a guest attribute's value ('' when unset), no newline
  harness.py attrs-honest LOG KEY WANT          no write was dropped, the last accepted KEY is WANT
  harness.py token-key                          a fresh HMAC key for the fake metadata servers' tokens
  harness.py elapsed T0 [T1]                    seconds from T0 to T1 (date +%s.%N; default now), one decimal
  harness.py below SECONDS BOUND                exit 0 if SECONDS < BOUND
  harness.py config-variant NAME IN OUT         a variant of a config (remote-virtual, images)
  harness.py settings SETTINGS_JSON             a script's published settings as shell assignments
  harness.py agent-zip SCRIPT OUT               the host agent a synthesized script carries (AGENT_ZIP_B64),
                                                sha256-checked against its AGENT_SHA256, written to OUT
  harness.py no-credentials RECORDER_LOG         a recorder (another origin) saw no Authorization header
  harness.py written-after FILE GA_LOG KEY VALUE FILE was last written after the last accepted write of the
                                                guest attribute KEY=VALUE (the metadata server's log)
  harness.py bundle-name TARGET                 the bundle project of a target word PYTHON:ARCH:GLIBC, by
                                                the agent's own names.bundle_project (agent/ of this tree)
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import shlex
import sys
import time

# The counters the fake AR keeps of a client it has not seen yet.
UNSEEN_CLIENT = {"requests": 0, "throttled": 0, "pages": 0, "files": 0, "fetched": []}


def load_json(path):
    """A JSON document from a file, or from stdin for '-'."""
    if path == "-":
        return json.load(sys.stdin)
    with open(path) as fh:
        return json.load(fh)


def json_field(args):
    """Prints the value at a key path: strings and numbers as they are, anything else as JSON."""
    value = load_json(args.file)
    for key in args.keys:
        value = value[key]
    print(value if isinstance(value, (str, int, float)) else json.dumps(value))


def ar_args(args):
    """The fake AR's arguments for the synth's repositories and IAM grants."""
    world = load_json(args.world)
    for repo in world["repos"]:
        print("--repo")
        print(repo)
    for grant in world["grants"]:
        print("--grant")
        print(grant)


def ar_client(args):
    """One client address's counters from the fake AR's admin JSON: all as JSON, or one of them
    (`fetched`: the files it was served, space-separated)."""
    counters = load_json("-")["by_client"].get(args.ip, UNSEEN_CLIENT)
    if args.key is None:
        print(json.dumps(counters))
    elif args.key == "fetched":
        print(" ".join(counters["fetched"]))
    else:
        print(counters[args.key])


def repo_files(args):
    """The file names a repository held in a listing of the fake AR's files (admin GET /files)."""
    for name in load_json(args.files)[args.repo]:
        print(name)


def guest_attr(args):
    """A guest attribute as the fake metadata server held it ('' when unset)."""
    print(load_json(args.file).get(args.key, ""), end="")


def attrs_honest(args):
    """Fails unless no guest-attribute write was dropped and the last accepted KEY is WANT."""
    with open(args.log) as fh:
        records = [json.loads(line) for line in fh]
    dropped = [r for r in records if not r["accepted"]]
    last = [r["value"] for r in records if r["accepted"] and r["key"] == args.key][-1:]
    if dropped:
        sys.exit(f"dropped writes: {dropped}")
    if last != [args.want]:
        sys.exit(f"last accepted status {last}, expected {args.want}")
    print(f"{len(records)} writes, none dropped; last status {args.want}")


def token_key(_args):
    print(secrets.token_hex(32))


def elapsed(args):
    end = time.time() if args.t1 is None else float(args.t1)
    print(round(end - float(args.t0), 1))


def below(args):
    sys.exit(0 if float(args.seconds) < float(args.bound) else 1)


def config_variant(args):
    """run.sh's variants of the example config: `remote-virtual` (mode remote, the virtual repository
    enabled) and `images` (Debian 13 private and public hosts, Debian 12 VMs in mirror.targets)."""
    config = load_json(args.input)
    if args.name == "remote-virtual":
        config["mode"] = "remote"
        config["repositories"]["virtual"]["enabled"] = True
    else:
        config["hosts"]["image"] = "debian-cloud/debian-13"
        config["hosts"]["publicImage"] = "debian-cloud/debian-13"
        config["mirror"]["targets"] = ["debian-cloud/debian-12"]
    with open(args.output, "w") as fh:
        json.dump(config, fh, indent=1)


def settings(args):
    """The settings the synth publishes beside a script (`NAME.settings.json`) as the script assigns
    them: NAME='value', or NAME=('item' ...) for a list; a boolean as true/false."""
    for name, value in load_json(args.file).items():
        if isinstance(value, list):
            print(f"{name}=(" + " ".join(shlex.quote(v) for v in value) + ")")
        else:
            print(f"{name}=" + shlex.quote(json.dumps(value) if isinstance(value, bool) else str(value)))


def script_word(text, name):
    """The value of a single-quoted shell word NAME='...' of a rendered script (shell-quote.ts quoting)."""
    found = re.findall(rf"^{name}='((?:[^']|'\\'')*)'$", text, re.M)
    if len(found) != 1:
        sys.exit(f"harness.py: {len(found)} words {name}='...' in the script (expected one)")
    return found[0].replace("'\\''", "'")


def agent_zip(args):
    """The zipapp a trampoline carries, exactly as it would run it: base64-decoded, sha256-checked."""
    with open(args.script, newline="") as fh:
        text = fh.read()
    data = base64.b64decode(script_word(text, "AGENT_ZIP_B64"), validate=False)
    want = script_word(text, "AGENT_SHA256")
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        sys.exit(f"harness.py: the agent in {args.script} has sha256 {got}, the script says {want}")
    with open(args.out, "wb") as fh:
        fh.write(data)
    print(args.out)


def bundle_name(args):
    """The bundle project of a target, as the agent names it (agent/pip_airlock_agent/names.py)."""
    root = os.environ.get("E2E_ROOT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    sys.path.insert(0, os.path.join(root, "agent"))
    from pip_airlock_agent.names import bundle_project

    print(bundle_project(args.target))


def no_credentials(args):
    """Fails when any request the recorder saw carried an Authorization header."""
    with open(args.log) as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    carried = [r for r in records if r["authorization"]]
    if carried:
        sys.exit(f"{len(carried)} of {len(records)} requests carried credentials: " +
                 "; ".join(f"{r['method']} {r['host']}{r['path']} ({r['auth_scheme']})" for r in carried))
    print(f"{len(records)} requests, none with an Authorization header")


def written_after(args):
    """Exit 0 when FILE's last change is after the last accepted write of KEY=VALUE."""
    with open(args.ga_log) as fh:
        times = [r["t"] for r in map(json.loads, fh) if r["accepted"] and r["key"] == args.key and r["value"] == args.value]
    if not times:
        sys.exit(f"no accepted write {args.key}={args.value}")
    mtime = os.stat(args.file).st_mtime
    if mtime < times[-1]:
        sys.exit(f"{args.file} last written {times[-1] - mtime:.2f}s before {args.key}={args.value}")
    print(f"{args.file} written {mtime - times[-1]:.2f}s after {args.key}={args.value}")


def main():
    parser = argparse.ArgumentParser(prog="harness.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("json-field")
    p.add_argument("file")
    p.add_argument("keys", nargs="+")
    p.set_defaults(run=json_field)
    p = sub.add_parser("ar-args")
    p.add_argument("world")
    p.set_defaults(run=ar_args)
    p = sub.add_parser("ar-client")
    p.add_argument("ip")
    p.add_argument("key", nargs="?")
    p.set_defaults(run=ar_client)
    p = sub.add_parser("repo-files")
    p.add_argument("files")
    p.add_argument("repo")
    p.set_defaults(run=repo_files)
    p = sub.add_parser("guest-attr")
    p.add_argument("file")
    p.add_argument("key")
    p.set_defaults(run=guest_attr)
    p = sub.add_parser("attrs-honest")
    p.add_argument("log")
    p.add_argument("key")
    p.add_argument("want")
    p.set_defaults(run=attrs_honest)
    sub.add_parser("token-key").set_defaults(run=token_key)
    p = sub.add_parser("elapsed")
    p.add_argument("t0")
    p.add_argument("t1", nargs="?")
    p.set_defaults(run=elapsed)
    p = sub.add_parser("below")
    p.add_argument("seconds")
    p.add_argument("bound")
    p.set_defaults(run=below)
    p = sub.add_parser("config-variant")
    p.add_argument("name", choices=["remote-virtual", "images"])
    p.add_argument("input")
    p.add_argument("output")
    p.set_defaults(run=config_variant)
    p = sub.add_parser("settings")
    p.add_argument("file")
    p.set_defaults(run=settings)
    p = sub.add_parser("agent-zip")
    p.add_argument("script")
    p.add_argument("out")
    p.set_defaults(run=agent_zip)
    p = sub.add_parser("no-credentials")
    p.add_argument("log")
    p.set_defaults(run=no_credentials)
    p = sub.add_parser("written-after")
    p.add_argument("file")
    p.add_argument("ga_log")
    p.add_argument("key")
    p.add_argument("value")
    p.set_defaults(run=written_after)
    p = sub.add_parser("bundle-name")
    p.add_argument("target")
    p.set_defaults(run=bundle_name)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
