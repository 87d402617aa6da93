"""The mirror's policy before upload (POLICY in the settings, `mirror.policy` in the config), applied on the public
host to each target's closure before anything is uploaded or signed:

- the cooldown (MIN_RELEASE_AGE_DAYS, AGE_EXEMPT): during the download, pip resolves through index_filter.py's
  loopback index, which hides files younger than the cutoff; here every downloaded file's upload-time is
  checked again against it (a file the filter did not see is refused);
- known vulnerabilities (VULNERABILITIES, WAIVERS): the closure's distinct project versions against OSV (osv.py);
- provenance (PROVENANCE, PUBLISHERS): each file's publisher from PyPI's Integrity API, compared with the record
  of earlier runs (provenance.py);
- the pip / keyring / virtualenv pairing (always on): per target, the keyring served, the pip mirrored and the pip
  the mirrored virtualenv seeds new venvs with must work together (pairing.py).

Every decision is a log line and goes into `report` (a Report: per-file decisions, upload-times, publishers,
advisories, the releases skipped for age, each target's pairing, the refusals); the guest attribute `policy` gets
its summary. A refusal raises PolicyRefused after all checks ran (each refusal named): nothing is uploaded, the
auth repo keeps serving the previous set. A check that cannot be made (OSV or the Integrity API unreachable after the
retries) fails the run when its setting refuses (never upload unchecked), and is reported when it only reports.

How mirror.py uses it: `with policy.download_index(SOURCE_INDEX_URL) as url:` around the download (pip's
--index-url is `url`: the filter's when a cooldown is set, else the source), `policy.download_failed(OUTPUT,
PYTHON)` when a pip download fails (raises PolicyRefused when the cooldown explains it), then, at the step
`policy`, `policy.check(TARGETS, TARGET_WHEELS)`."""
from __future__ import annotations

import contextlib
import os
import re
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from .errors import AgentError, PolicyRefused
from .http import Transport, redact
from .index_filter import IndexFilter, iso, parse_upload_time
from .names import normalize, requirement_project, wheel_project, wheel_version
from .osv import Osv
from .pairing import check as check_pairing
from .provenance import PUBLISHERS_PATH, Integrity, PublisherRecords, judge, project_identity

#: Names listed per line of the guest attribute's summary before "+N more".
SUMMARY_NAMES = 8
_PIP_NOT_FOUND = re.compile(r"(?:No matching distribution found for|Could not find a version that satisfies the requirement) (\S+)")


class Report:
    """What the policy decided this run, as data (the lead's SBOM takes the per-file part):

    - decisions: downloaded file name -> its decisions, in order (`kept: ...`, `advisory ID: ...`, `publisher ...`);
    - upload_times: downloaded file name -> its PEP 700 upload-time (when the cooldown saw it);
    - skipped: "PROJECT VERSION" -> why the cooldown hid that release from pip;
    - publishers: project -> its publisher identity this run (None: no provenance; absent: not checked);
    - advisories: "PROJECT VERSION" -> the OSV advisory ids found (waived ones included);
    - waived: advisory id -> the waiver's reason (those that matched);
    - pairing: target ("3.11.2:x86_64") -> its pip / keyring / virtualenv facts and its decision line (pairing.py);
    - refusals: why the run is refused ([] when it is not);
    - summary: the lines of the guest attribute `policy`."""

    def __init__(self) -> None:
        self.decisions: Dict[str, List[str]] = {}
        self.upload_times: Dict[str, str] = {}
        self.skipped: Dict[str, str] = {}
        self.publishers: Dict[str, Optional[str]] = {}
        self.advisories: Dict[str, List[str]] = {}
        self.waived: Dict[str, str] = {}
        self.pairing: Dict[str, Dict[str, Any]] = {}
        self.refusals: List[str] = []
        self.summary: List[str] = []

    def as_dict(self) -> Dict[str, Any]:
        return {"decisions": self.decisions, "upload_times": self.upload_times, "skipped": self.skipped,
                "publishers": self.publishers, "advisories": self.advisories, "waived": self.waived,
                "pairing": self.pairing, "refusals": self.refusals, "summary": self.summary}


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SUMMARY_NAMES])
    return shown + (f" +{len(items) - SUMMARY_NAMES} more" if len(items) > SUMMARY_NAMES else "")


class Policy:
    def __init__(self, settings, ctx, transport=None, state_path: str = PUBLISHERS_PATH) -> None:
        self.p: Dict[str, Any] = settings.policy
        self.venv_project = requirement_project(settings.venv_tool)
        self.ctx = ctx
        self.log = ctx.log
        self.transport = transport or Transport()
        self.timeout = float(settings.pip_socket_timeout_seconds)
        self.records = PublisherRecords(state_path)
        self.filter: Optional[IndexFilter] = None
        self.report = Report()

    # --- the download ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def download_index(self, source_index_url: str) -> Iterator[str]:
        """The index pip downloads from while the block runs: the cooldown's loopback filter of the source
        when MIN_RELEASE_AGE_DAYS > 0 (stopped after the block), else the source itself."""
        days = self.p["MIN_RELEASE_AGE_DAYS"]
        if days <= 0:
            self.log.info("cooldown: off (POLICY.MIN_RELEASE_AGE_DAYS 0): pip resolves from the source index as it is")
            yield source_index_url
            return
        self.filter = IndexFilter(source_index_url, days, self.p["AGE_EXEMPT"], self.ctx.clock.time(), self.transport,
                                  self.log.info, timeout=self.timeout)
        url = self.filter.start()
        exempt = " ".join(self.p["AGE_EXEMPT"])
        self.log.info(f"cooldown: {days} day(s): pip sees only files uploaded before {iso(self.filter.cutoff)} "
                      f"(through {url}, filtering {redact(source_index_url)})" + (f"; exempt: {exempt}" if exempt else ""))
        try:
            yield url
        finally:
            self.filter.stop()

    def download_failed(self, pip_output: str, python: str) -> None:
        """After a failed pip download: raises PolicyRefused when the cooldown is why (the source gives no
        upload-time; or pip found nothing of a requirement whose newer releases the filter hid), else returns."""
        flt = self.filter
        if flt is None:
            return
        if flt.refusal is not None:
            raise flt.refusal
        for requirement in _PIP_NOT_FOUND.findall(pip_output):
            project = requirement_project(requirement)
            hidden = sorted(release for release in flt.skipped if release.split(" ")[0] == project)
            if hidden:
                self.report.skipped.update(flt.skipped)
                raise PolicyRefused(
                    f"the cooldown (POLICY.MIN_RELEASE_AGE_DAYS {self.p['MIN_RELEASE_AGE_DAYS']}) leaves no release of {project} that pip can use "
                    f"for CPython {python} ({requirement}): {_names(hidden)} uploaded after {iso(flt.cutoff)}. Wait until one is old enough, "
                    f"or add {project} to mirror.policy.ageExempt for an urgent fix")

    # --- the step `policy` -------------------------------------------------------------------------------
    def check(self, targets: Sequence[str], target_wheels: Sequence[Sequence[str]]) -> Report:
        """Every check over the downloaded closures (target_wheels[i]: the wheel paths of targets[i]); returns
        the report, raises PolicyRefused when any check refuses (after publishing the summary)."""
        report = self.report
        closures: Dict[str, List[str]] = {}
        for target, paths in zip(targets, target_wheels):
            label = ":".join(target.split(":")[:2])
            for path in paths:
                closures.setdefault(os.path.basename(path), []).append(label)
        names = sorted(closures)
        for name in names:
            report.decisions.setdefault(name, [])
        refusals: List[str] = []
        cooldown = self._cooldown(names, refusals)
        vulnerabilities = self._vulnerabilities(names, closures, refusals)
        provenance, records = self._provenance(names, refusals)
        pairing = self._pairing(targets, target_wheels, refusals)
        report.refusals = refusals
        report.summary = [cooldown, vulnerabilities, provenance] + pairing + [f"refused: {r}" for r in refusals]
        self.ctx.attrs.publish("policy", "\n".join(report.summary))
        if refusals:
            self.log.info(f"policy: {len(refusals)} refusal(s): nothing is uploaded or signed, no publisher recorded; "
                          "the auth repo keeps serving the previous set")
            raise PolicyRefused("the mirror's policy refuses this run's closure:\n" + "\n".join(refusals))
        if records is not None:
            self.records.save(records)
        self.log.info(f"policy: {len(names)} file(s) pass")
        return report

    def _pairing(self, targets: Sequence[str], target_wheels: Sequence[Sequence[str]], refusals: List[str]) -> List[str]:
        lines = []
        for target, paths in zip(targets, target_wheels):
            label = ":".join(target.split(":")[:2])
            pairing = check_pairing(label, target.split(":")[0], paths, self.venv_project)
            self.report.pairing[label] = pairing.as_dict()
            lines.append(pairing.decision())
            self.log.info(f"policy: {lines[-1]}")
            refusals.extend(pairing.refusals)
        return lines

    def _decide(self, name: str, decision: str) -> None:
        self.report.decisions[name].append(decision)
        self.log.info(f"policy: {name}: {decision}")

    def _cooldown(self, names: List[str], refusals: List[str]) -> str:
        days = self.p["MIN_RELEASE_AGE_DAYS"]
        flt = self.filter
        if days <= 0 or flt is None:
            self.log.info("policy: cooldown off (POLICY.MIN_RELEASE_AGE_DAYS 0)")
            for name in names:
                self.report.decisions[name].append("kept: no cooldown (POLICY.MIN_RELEASE_AGE_DAYS 0)")
            return f"cooldown off: {len(names)} files kept"
        self.report.skipped.update(flt.skipped)
        exempt = set(flt.exempt)
        kept = 0
        for name in names:
            raw = flt.upload_times.get(name)
            seconds = parse_upload_time(raw)
            if raw is not None:
                self.report.upload_times[name] = raw
            if wheel_project(name) in exempt:
                self._decide(name, f"kept: exempt from the cooldown (POLICY.AGE_EXEMPT), uploaded {raw or 'at a time the index does not give'}")
                kept += 1
            elif seconds is None:
                self._decide(name, "refused: the cooldown's index never listed it with an upload-time")
                refusals.append(f"{name}: pip downloaded it without the cooldown seeing its upload-time (POLICY.MIN_RELEASE_AGE_DAYS {days})")
            elif seconds > flt.cutoff:
                self._decide(name, f"refused: uploaded {raw}, after the cutoff {iso(flt.cutoff)}")
                refusals.append(f"{name}: uploaded {raw}, younger than POLICY.MIN_RELEASE_AGE_DAYS {days}")
            else:
                # no run-dependent time in a decision: the SBOM carries it, and the same closure is the same bundle
                self._decide(name, f"kept: uploaded {raw}, older than the {days}-day cooldown")
                kept += 1
        skipped = sorted(flt.skipped)
        return (f"cooldown {days}d (cutoff {iso(flt.cutoff)}): {kept} files kept, {len(skipped)} releases skipped for age"
                + (f": {_names(skipped)}" if skipped else ""))

    def _unchecked(self, err: AgentError, names: List[str], *, what: str, strict: bool, service: str) -> None:
        """A check whose service failed: raises in a refusing mode (nothing goes up unchecked), else records it on every file."""
        if strict:
            self.log.info(f"policy: {what} cannot be checked ({service}: {err}): nothing is uploaded unchecked")
            raise err
        self.log.info(f"policy: {what} not checked: {err}")
        for name in names:
            self.report.decisions[name].append(f"{what} not checked: {err}")

    def _vulnerabilities(self, names: List[str], closures: Dict[str, List[str]], refusals: List[str]) -> str:
        mode = self.p["VULNERABILITIES"]
        if mode == "off":
            self.log.info("policy: vulnerabilities not checked (POLICY.VULNERABILITIES off)")
            for name in names:
                self.report.decisions[name].append("vulnerabilities not checked (POLICY.VULNERABILITIES off)")
            return "vulnerabilities off: not checked"
        releases: Dict[Tuple[str, str], List[str]] = {}
        for name in names:
            releases.setdefault((wheel_project(name), wheel_version(name)), []).append(name)
        osv = Osv(self.p["OSV_URL"], self.transport, self.ctx.clock, timeout=self.timeout)
        try:
            found = self.ctx.retry.run("OSV query", lambda: osv.vulnerabilities(sorted(releases)), self.log)
        except AgentError as err:
            self._unchecked(err, names, what="vulnerabilities", strict=mode == "refuse", service="OSV")
            return f"vulnerabilities ({mode}): not checked, OSV failed: {err}"
        waivers = {w["ID"]: w["REASON"] for w in self.p["WAIVERS"]}
        refused: List[str] = []
        waived: List[str] = []
        reported: List[str] = []
        for (project, version), files in sorted(releases.items()):
            ids = found.get((normalize(project), version), [])
            self.report.advisories[f"{project} {version}"] = ids
            targets = sorted({t for name in files for t in closures[name]})
            for name in files:
                if not ids:
                    self._decide(name, "no known advisory (OSV)")
            for advisory in ids:
                if advisory in waivers:
                    self.report.waived[advisory] = waivers[advisory]
                    verdict = f"waived ({waivers[advisory]})"
                    waived.append(f"{advisory} ({project} {version})")
                elif mode == "refuse":
                    verdict = "refused"
                    refused.append(f"{advisory} ({project} {version})")
                    refusals.append(f"{project} {version} has the advisory {advisory} (https://osv.dev/vulnerability/{advisory}), in the "
                                    f"closure of {' '.join(targets)}: take a fixed version, or waive it in mirror.policy.waivers with a reason")
                else:
                    verdict = "reported (POLICY.VULNERABILITIES report)"
                    reported.append(f"{advisory} ({project} {version})")
                for name in files:
                    self._decide(name, f"advisory {advisory}: {verdict}")
        for advisory in sorted(set(waivers) - set(self.report.waived)):
            self.log.info(f"policy: the waiver of {advisory} matches no advisory of this closure (it can go)")
        parts = [f"vulnerabilities ({mode}): {len(releases)} releases checked"]
        for label, items in (("refused", refused), ("waived", waived), ("reported", reported)):
            if items:
                parts.append(f"{label} {_names(items)}")
        return "; ".join(parts)

    def _provenance(self, names: List[str], refusals: List[str]) -> Tuple[str, Optional[Dict[str, Dict[str, Any]]]]:
        mode = self.p["PROVENANCE"]
        if mode == "off":
            self.log.info("policy: provenance not checked (POLICY.PROVENANCE off)")
            for name in names:
                self.report.decisions[name].append("provenance not checked (POLICY.PROVENANCE off)")
            return "provenance off: not checked", None
        integrity = Integrity(self.p["INTEGRITY_URL"], self.transport, self.ctx.clock, timeout=self.timeout)
        by_project: Dict[str, List[str]] = {}
        identities: Dict[str, Optional[str]] = {}
        for name in names:
            project, version = wheel_project(name), wheel_version(name)
            by_project.setdefault(project, []).append(name)
            try:
                identities[name] = self.ctx.retry.run(f"provenance of {name}", lambda: integrity.publisher(project, version, name), self.log)
            except AgentError as err:
                self._unchecked(err, names, what="provenance", strict=mode == "refuse-changed", service="the Integrity API")
                return f"provenance ({mode}): not checked, the Integrity API failed: {err}", None
            self._decide(name, f"provenance: {identities[name] or 'none (PyPI has no attestation for it)'}")
        records = self.records.load()
        accepted = self.p["PUBLISHERS"]
        now = iso(self.ctx.clock.time())
        counts: Dict[str, int] = {}
        changes: List[str] = []
        for project, files in sorted(by_project.items()):
            observed = project_identity(identities[name] for name in files)
            self.report.publishers[project] = observed
            record = records.get(project)
            decision, outcome, refused = judge(observed, record, accepted.get(project), mode)
            for name in files:
                self._decide(name, decision)
            counts[outcome] = counts.get(outcome, 0) + 1
            versions = " ".join(sorted({wheel_version(n) for n in files}))
            if refused:
                refusals.append(f"{project}: {decision[:-len(': refused')]}: if you trust the new publisher, accept it with "
                                f"mirror.policy.publishers {{\"{project}\": \"{observed or 'none'}\"}}")
            elif outcome == "unchanged":
                records[project] = dict(record or {}, versions=versions)
            else:
                if outcome in ("accepted", "changed", "unaccepted"):
                    changes.append(f"{project} {observed or 'none'}")
                records[project] = {"publisher": observed, "since": now, "versions": versions}
        summary = f"provenance ({mode}): {len(by_project)} projects: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        if changes:
            summary += f"; new publishers {_names(changes)}"
        return summary, records
