"""The fleet-boot scenario's numbers: per host, what a phase (a first boot, a reboot) cost, from the
fake AR's counters before and after it and the harness's record of each boot.

  fleet_report.py report PHASE BEFORE_JSON AFTER_JSON STATE_DIR GUEST_ATTR_NAMESPACE HOST=IP...
      one JSON line per host: requests and ar_429 (in the phase, 429 answers included), rc, seconds,
      status, changes
  fleet_report.py summary REPORT      "N_READY N_FAILED SECONDS MAX_REQUESTS MIN MEAN AR_429S"
  fleet_report.py all-ready REPORT FLEET BOUND_SECONDS
      FLEET rows, each exit 0 and status=ready within BOUND_SECONDS
  fleet_report.py rebooted REPORT BOUND_SECONDS MAX_REQUESTS
      each exit 0, status=ready, changes 0, within BOUND_SECONDS, at most MAX_REQUESTS requests
"""
import argparse
import json
import os


def rows_of(path):
    with open(path) as fh:
        return [json.loads(line) for line in fh]


def read(path):
    with open(path) as fh:
        return fh.read()


def report(args):
    """Per host, its phase's AR requests and 429s (the difference of the two snapshots) and its boot."""
    before, after = json.loads(read(args.before)), json.loads(read(args.after))
    zero = {"requests": 0, "throttled": 0}
    for pair in args.hosts:
        host, ip = pair.split("=")
        cb, ca = before["by_client"].get(ip, zero), after["by_client"].get(ip, zero)
        log = f"{args.phase}-{host}"
        attrs = json.loads(read(os.path.join(args.state, f"attrs-{log}.json")))
        print(json.dumps({
            "host": host, "requests": ca["requests"] - cb["requests"], "ar_429": ca["throttled"] - cb["throttled"],
            "rc": int(read(os.path.join(args.state, f"rc-{log}"))),
            "seconds": float(read(os.path.join(args.state, f"duration-{log}"))),
            "status": attrs.get(f"{args.namespace}/status", ""), "changes": attrs.get(f"{args.namespace}/changes", ""),
        }))


def summary(args):
    rows = rows_of(args.report)
    ready = [r for r in rows if r["rc"] == 0 and r["status"] == "ready"]
    failed = [r for r in rows if r["status"] == "failed" or r["rc"] not in (0,)]
    req = [r["requests"] for r in rows]
    print(len(ready), len(failed), round(max(r["seconds"] for r in rows)), max(req), min(req),
          round(sum(req) / len(req), 1), sum(r["ar_429"] for r in rows))


def all_ready(args):
    rows = rows_of(args.report)
    bad = [r for r in rows if r["rc"] != 0 or r["status"] != "ready" or r["seconds"] > float(args.bound)]
    assert len(rows) == int(args.fleet) and not bad, f"not ready within {args.bound} s: {bad}"


def rebooted(args):
    rows = rows_of(args.report)
    bad = [r for r in rows if r["rc"] != 0 or r["status"] != "ready" or r["changes"] != "0"
           or r["seconds"] > float(args.bound) or r["requests"] > int(args.max_requests)]
    assert not bad, f"not ready with 0 changes and at most {args.max_requests} requests within {args.bound} s: {bad}"


def main():
    parser = argparse.ArgumentParser(prog="fleet_report.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help=report.__doc__)
    for name in ("phase", "before", "after", "state", "namespace"):
        p.add_argument(name)
    p.add_argument("hosts", nargs="+", metavar="HOST=IP")
    p.set_defaults(run=report)
    p = sub.add_parser("summary")
    p.add_argument("report")
    p.set_defaults(run=summary)
    p = sub.add_parser("all-ready")
    for name in ("report", "fleet", "bound"):
        p.add_argument(name)
    p.set_defaults(run=all_ready)
    p = sub.add_parser("rebooted")
    for name in ("report", "bound", "max_requests"):
        p.add_argument(name)
    p.set_defaults(run=rebooted)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
