import {
  BROKEN_KEYRINGS,
  KEYRING,
  KEYRING_CREDS_MODE,
  Newest,
  newestRelease,
  PIP,
  PIP_CREDS_MODE,
  PIP_KEYRING_PROVIDER,
  Project,
  runsOn,
  Seed,
  seedOf,
  VIRTUALENV,
  VIRTUALENV_WITH_KEYRING_PROVIDER,
} from "./pip-facts";
import { lockPins, normalizeName, parseRequirement, VENV_TOOL } from "./requirements";
import { admits, ANY, compareVersions, intersect, isEmpty, isPrerelease, parseSpecifier, specifier, VersionRange, versionKey } from "./version-ranges";

/**
 * Which pip / keyring pairings break users, refused at synth. Users run two pips: the bootstrap pip
 * (the mirrored pip wheel, which the private host's keyring venv runs) and the pip the mirrored
 * virtualenv seeds into every venv they create (`virtualenv v && v/bin/pip install …`): virtualenv's
 * embedded wheel, not the bootstrap pip. Both authenticate through the `keyring` CLI
 * (keyring-provider = subprocess). The facts, each with its source, are in pip-facts.ts:
 * - keyring-provider = subprocess needs pip >= 23.1;
 * - pip >= 26.2 (not 26.0 or 26.1) runs `keyring --mode=creds --output=json get …` and stops at a
 *   keyring CLI older than 25.2.1 with "Keyring util is outdated" (pypa/pip#14150);
 * - keyring 25.2.0 crashes in creds mode (jaraco/keyring#681), 25.4.0 on a plain get (#694);
 * - pip 26.1 dropped Python 3.9 (pypa/pip#13795), so on 3.9 both pips are at most 26.0.1;
 * - which pip each virtualenv embeds per CPython (VIRTUALENV_SEEDS); one the table lacks is assumed
 *   to seed pip >= 26.2 wherever such a pip runs.
 * Specs become version intervals (version-ranges.ts) and "the pip / keyring / virtualenv the mirror
 * downloads" is the newest release a spec admits that runs on the target CPython, as pip download
 * --python-version picks it; a spec open to releases after a table is taken to get one of those.
 */

/** Target CPython when the caller names none: any CPython 3.10 or newer (every pip and virtualenv treats them alike). */
const DEFAULT_PYTHON = "3.10";
const BROKEN_EXCLUDED = Object.keys(BROKEN_KEYRINGS).map((v) => `!=${v}`).join(",");
const GOOD_KEYRING_SPEC = `keyring>=${KEYRING_CREDS_MODE},!=25.4.0`;

/**
 * The pip a new venv gets from `virtualenv` (`undefined`: the newest one config/pip-facts.ts lists
 * that runs there) on a CPython ("3.11"); undefined when the table cannot say (a virtualenv it lacks,
 * one older than 20.21.1, or a CPython it seeds no pip for).
 */
export function seededPip(virtualenvVersion: string | undefined, python: string): string | undefined {
  const version = virtualenvVersion ?? newestRelease(VIRTUALENV, ANY, python)?.listed;
  if (version === undefined || !versionKey(version) || !versionKey(python)) return undefined;
  const seed = seedOf(version, python);
  return seed.kind === "pip" ? seed.pip : undefined;
}

/** A pip some user runs on one CPython. */
interface PipRun {
  readonly who: "bootstrap" | "seeded";
  readonly python: string;
  /** Where it comes from: `"pip>=23.1"`, `pip==26.2.1 in the lock`, `virtualenv 21.14.1 or newer`. */
  readonly source: string;
  /** Which pip: `pip 26.2.1 or newer`. */
  readonly pip: string;
  /** It can be >= 26.2: it asks keyring in creds mode. */
  readonly creds: boolean;
  /** It is certainly older than 23.1: no keyring-provider. */
  readonly old: boolean;
}

/** Requirements of one project in mirror.packages, joined. */
interface Spec {
  readonly field: string;
  /** The requirements as written, quoted: `"keyring<25"`. */
  readonly text: string;
  readonly range: VersionRange;
}

const atLeast = (v: string, floor: string) => compareVersions(v, floor) >= 0;

/** An unlisted region can hold a release >= `floor`. */
const regionReaches = (n: Newest, floor: string) => n.unlisted !== undefined && (n.unlisted.before === undefined || compareVersions(n.unlisted.before, floor) > 0);

/** Every release the newest-pick can be is below `floor`. */
const allBelow = (n: Newest, floor: string) => (n.listed === undefined || !atLeast(n.listed, floor)) && !regionReaches(n, floor);

function describeNewest(name: string, n: Newest): string {
  const { listed, unlisted } = n;
  if (!unlisted) return `${name} ${listed}`;
  if (listed !== undefined && unlisted.before === undefined) return `${name} ${listed} or newer`;
  const region =
    unlisted.after !== undefined && unlisted.before !== undefined
      ? `a ${name} between ${unlisted.after} and ${unlisted.before}, which config/pip-facts.ts does not list`
      : unlisted.after !== undefined
        ? `a ${name} newer than ${unlisted.after}`
        : `a ${name} older than ${unlisted.before}`;
  return listed === undefined ? region : `${name} ${listed} or ${region}`;
}

const pythonsLabel = (pythons: readonly string[], named: boolean) => (named ? `CPython ${pythons.join(", ")}` : `CPython ${DEFAULT_PYTHON}+`);

/** Problems (field path: message with the fix) with the pips and keyrings the mirror would pair. */
export function pipKeyringProblems(
  mirror: { packages: readonly string[]; bootstrapPip: string; lockFile?: string },
  lock: string,
  pythons: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const named = pythons.some((p) => versionKey(p));
  const targets = named ? [...new Set(pythons.filter((p) => versionKey(p)))].sort(compareVersions) : [DEFAULT_PYTHON];
  const label = (ps: readonly string[]) => pythonsLabel(ps, named);
  const lockName = `"${mirror.lockFile}"`;

  // --- the lock's pins (with a lock the mirror downloads exactly these)
  const pins = lock ? lockPins(lock) : new Map<string, string>();
  const pin = (name: string): string | undefined => {
    const v = pins.get(name);
    if (v !== undefined && !versionKey(v)) {
      problems.push(`mirror.lockFile: ${lockName} pins ${name}==${v}, which is not a PEP 440 version: recompile the lock (pip-compile --generate-hashes --allow-unsafe)`);
      return undefined;
    }
    return v;
  };
  const [pipPin, keyringPin, venvPin] = [pin("pip"), pin("keyring"), pin(VENV_TOOL)];

  // --- requirements of one project in mirror.packages (the mirror downloads them with bootstrapPip and virtualenv, in one resolve)
  const specOf = (project: Project, example: string): Spec | undefined => {
    const entries = mirror.packages.map((text, i) => ({ i, text, req: parseRequirement(text) })).filter((e) => e.req.name === normalizeName(project.name));
    if (entries.length === 0) return undefined;
    let range = ANY;
    for (const e of entries) {
      const r = parseSpecifier(e.req.specifier);
      if (!r) {
        problems.push(`mirror.packages.${e.i}: "${e.text}" is not a PEP 440 version specifier: use e.g. "${example}"`);
        return undefined;
      }
      range = intersect(range, r);
    }
    return { field: entries.length === 1 ? `mirror.packages.${entries[0].i}` : "mirror.packages", text: entries.map((e) => `"${e.text}"`).join(", "), range };
  };
  // --- mirror.bootstrapPip
  const pipReq = parseRequirement(mirror.bootstrapPip);
  let pipRange: VersionRange | undefined;
  if (pipReq.name !== "pip") {
    problems.push(`mirror.bootstrapPip: "${mirror.bootstrapPip}" is not a pip requirement: use e.g. "pip>=${PIP_KEYRING_PROVIDER}"`);
  } else if (!(pipRange = parseSpecifier(pipReq.specifier))) {
    problems.push(`mirror.bootstrapPip: "${mirror.bootstrapPip}" is not a PEP 440 version specifier: use e.g. "pip>=${PIP_KEYRING_PROVIDER}"`);
  } else if (
    isEmpty(intersect(pipRange, specifier(`>=${PIP_KEYRING_PROVIDER}`))) ||
    (pipPin === undefined && targets.some((p) => {
      const n = newestRelease(PIP, pipRange as VersionRange, p);
      return n !== undefined && allBelow(n, PIP_KEYRING_PROVIDER);
    }))
  ) {
    problems.push(`mirror.bootstrapPip: "${mirror.bootstrapPip}" excludes pip >= ${PIP_KEYRING_PROVIDER}, which keyring-provider = subprocess needs: use e.g. "pip>=${PIP_KEYRING_PROVIDER}"`);
    pipRange = undefined;
  }
  // A pip requirement in mirror.packages narrows the pip the mirror downloads, and the bootstrap installs it too.
  const pipPackage = specOf(PIP, `pip>=${PIP_KEYRING_PROVIDER}`);
  const mirroredPip = pipRange && pipPackage ? intersect(pipRange, pipPackage.range) : pipRange;
  const pipSource = `"${mirror.bootstrapPip}"${pipPackage ? ` with ${pipPackage.text}` : ""}`;
  if (mirroredPip && pipPin === undefined) {
    const without = targets.filter((p) => !newestRelease(PIP, mirroredPip, p));
    if (without.length > 0) {
      const newest = without.map((p) => `${newestRelease(PIP, ANY, p)?.listed} for ${p}`).join(", ");
      problems.push(
        pipPackage
          ? `${pipPackage.field}: ${pipPackage.text} and mirror.bootstrapPip "${mirror.bootstrapPip}" admit no pip release together that runs on ${label(without)}: make them agree, or drop pip from mirror.packages`
          : `mirror.bootstrapPip: "${mirror.bootstrapPip}" admits no pip release that runs on ${label(without)} (pip 26.1 dropped Python 3.9, pypa/pip#13795; newest: ${newest}): use e.g. "pip>=${PIP_KEYRING_PROVIDER}"`,
      );
    }
  }

  const keyringSpec = specOf(KEYRING, GOOD_KEYRING_SPEC);
  const venvSpec = specOf(VIRTUALENV, `${VENV_TOOL}>=${VIRTUALENV_WITH_KEYRING_PROVIDER}`);

  // A good keyring to pin: the newest listed one, not broken, with creds mode, on every target.
  const goodKeyring = [...KEYRING.releases]
    .reverse()
    .find((v) => !BROKEN_KEYRINGS[v] && !isPrerelease(v) && atLeast(v, KEYRING_CREDS_MODE) && targets.every((p) => runsOn(KEYRING, v, p)));

  // --- broken keyrings, and specs that admit no keyring at all
  let keyringRefused = false;
  if (keyringSpec) {
    const newest = targets.map((p) => ({ p, n: newestRelease(KEYRING, keyringSpec.range, p) }));
    const none = newest.filter(({ n }) => !n).map(({ p }) => p);
    const broken = [...new Set(newest.map(({ n }) => (n && !n.unlisted && n.listed && BROKEN_KEYRINGS[n.listed] ? n.listed : undefined)).filter((v): v is string => v !== undefined))];
    if (none.length > 0) {
      keyringRefused = true;
      const where = none.length < targets.length || named ? ` that runs on ${label(none)}` : "";
      problems.push(`${keyringSpec.field}: ${keyringSpec.text} admits no keyring release${where}: use e.g. "${GOOD_KEYRING_SPEC}"`);
    } else if (broken.length > 0) {
      keyringRefused = true;
      const excluded = intersect(keyringSpec.range, specifier(BROKEN_EXCLUDED));
      const onlyBroken = targets.every((p) => !newestRelease(KEYRING, excluded, p));
      const why = (versions: readonly string[]) => versions.map((v) => `keyring ${v} ${BROKEN_KEYRINGS[v]}`).join("; ");
      const pinGood = goodKeyring ? `pin a good release such as "keyring==${goodKeyring}"` : `use "${GOOD_KEYRING_SPEC}"`;
      if (onlyBroken) {
        const admitted = Object.keys(BROKEN_KEYRINGS).filter((v) => admits(keyringSpec.range, v));
        problems.push(`${keyringSpec.field}: ${keyringSpec.text} admits only broken keyring CLIs: ${why(admitted)}: ${pinGood}, or allow every good one with "${GOOD_KEYRING_SPEC}"`);
      } else {
        // Offer the spec with the broken releases excluded only when what it then mirrors has creds mode.
        const amended = keyringSpec.text.includes('", "') ? undefined : `${keyringSpec.text.slice(1, -1)},${BROKEN_EXCLUDED}`;
        const amendedGood = amended !== undefined && targets.every((p) => {
          const n = newestRelease(KEYRING, excluded, p);
          return n !== undefined && !allBelow(n, KEYRING_CREDS_MODE);
        });
        problems.push(`${keyringSpec.field}: ${keyringSpec.text} would mirror a broken keyring CLI: ${why(broken)}: ${amendedGood ? `exclude it ("${amended}") or ` : ""}${pinGood}`);
      }
    }
  }
  if (keyringPin !== undefined && BROKEN_KEYRINGS[keyringPin] !== undefined) {
    keyringRefused = true;
    problems.push(
      `mirror.lockFile: ${lockName} pins keyring==${keyringPin}, whose CLI ${BROKEN_KEYRINGS[keyringPin]}: pin a good release such as keyring==${goodKeyring} (compile the lock from "keyring${BROKEN_EXCLUDED}")`,
    );
  }

  // --- the pips users run, per target CPython
  if (pipPin !== undefined && !atLeast(pipPin, PIP_KEYRING_PROVIDER)) {
    problems.push(`mirror.lockFile: ${lockName} pins pip==${pipPin}: keyring-provider = subprocess needs pip >= ${PIP_KEYRING_PROVIDER}: pin a newer pip`);
  }
  const runs: PipRun[] = [];
  const venvNone: string[] = [];
  for (const python of targets) {
    if (pipPin !== undefined) {
      runs.push({ who: "bootstrap", python, source: "the lock", pip: `pip==${pipPin}`, creds: atLeast(pipPin, PIP_CREDS_MODE), old: !atLeast(pipPin, PIP_KEYRING_PROVIDER) });
    } else if (mirroredPip) {
      const n = newestRelease(PIP, mirroredPip, python);
      if (n) runs.push({ who: "bootstrap", python, source: pipSource, pip: describeNewest("pip", n), creds: !allBelow(n, PIP_CREDS_MODE), old: allBelow(n, PIP_KEYRING_PROVIDER) });
    }
    const seeded = seededRun(python, venvPin, venvSpec);
    if (seeded) runs.push(seeded);
  }
  if (venvSpec && venvNone.length > 0) {
    problems.push(`${venvSpec.field}: ${venvSpec.text} admits no ${VENV_TOOL} release that runs on ${label(venvNone)}: use e.g. "${VENV_TOOL}>=${VIRTUALENV_WITH_KEYRING_PROVIDER}"`);
  }
  const venvField = venvPin !== undefined ? "mirror.lockFile" : venvSpec?.field;
  const oldSeeds = runs.filter((r) => r.who === "seeded" && r.old);
  if (venvField && oldSeeds.length > 0) {
    const subject = venvPin !== undefined ? `${lockName} pins ${VENV_TOOL}==${venvPin}` : `${venvSpec?.text} would mirror ${oldSeeds[0].source}`;
    const fix = venvPin !== undefined ? `pin ${VENV_TOOL}>=${VIRTUALENV_WITH_KEYRING_PROVIDER}` : `use "${VENV_TOOL}>=${VIRTUALENV_WITH_KEYRING_PROVIDER}"`;
    problems.push(`${venvField}: ${subject}, which seeds venvs on ${label(oldSeeds.map((r) => r.python))} with a pip older than ${PIP_KEYRING_PROVIDER}, and keyring-provider = subprocess needs pip >= ${PIP_KEYRING_PROVIDER}: ${fix}`);
  }

  // --- the pairing: a creds-mode pip with a keyring older than 25.2.1
  if (!keyringRefused && (keyringPin !== undefined || keyringSpec)) {
    const oldOn = (python: string): boolean => {
      if (keyringPin !== undefined) return !atLeast(keyringPin, KEYRING_CREDS_MODE);
      const n = newestRelease(KEYRING, (keyringSpec as Spec).range, python);
      return n !== undefined && allBelow(n, KEYRING_CREDS_MODE);
    };
    const bad = runs.filter((r) => r.creds && oldOn(r.python));
    if (bad.length > 0) problems.push(pairingProblem(bad));
  }
  return problems;

  function seededRun(python: string, version: string | undefined, spec: Spec | undefined): PipRun | undefined {
    if (version !== undefined) {
      const seed = seedOf(version, python);
      return seed.kind === "none" ? undefined : { who: "seeded", python, source: `${VENV_TOOL}==${version} in the lock`, ...seeds(seed, undefined, python) };
    }
    const n = newestRelease(VIRTUALENV, spec?.range ?? ANY, python);
    if (!n) {
      venvNone.push(python);
      return undefined;
    }
    const listed = n.listed !== undefined ? seedOf(n.listed, python) : undefined;
    // An unlisted region below 20.21.1 holds only virtualenvs older than pip 23.1.
    const unlisted: Seed | undefined = n.unlisted && (n.unlisted.before !== undefined && compareVersions(n.unlisted.before, VIRTUALENV_WITH_KEYRING_PROVIDER) <= 0 ? { kind: "old" } : { kind: "unknown" });
    if ((listed?.kind ?? "none") === "none" && unlisted === undefined) return undefined;
    return { who: "seeded", python, source: describeNewest(VENV_TOOL, n), ...seeds(listed, unlisted, python) };
  }

  /**
   * The pip from the newest listed virtualenv and, when newer unlisted ones are admitted, from those.
   * An unlisted virtualenv is assumed to seed pip >= 26.2, except on a CPython no such pip runs on
   * (3.9: pip 26.1 dropped it), where it seeds at most that CPython's newest pip.
   */
  function seeds(listed: Seed | undefined, unlisted: Seed | undefined, python: string): { pip: string; creds: boolean; old: boolean } {
    const newestPip = newestRelease(PIP, ANY, python);
    const unknownCreds = newestPip === undefined || !allBelow(newestPip, PIP_CREDS_MODE);
    const creds = (s?: Seed) => (s?.kind === "pip" && atLeast(s.pip, PIP_CREDS_MODE)) || (s?.kind === "unknown" && unknownCreds);
    const old = (s?: Seed) => s === undefined || s.kind === "old" || (s.kind === "pip" && !atLeast(s.pip, PIP_KEYRING_PROVIDER));
    const text = (s: Seed) =>
      s.kind === "pip"
        ? `pip ${s.pip}`
        : s.kind === "old"
          ? `a pip older than ${PIP_KEYRING_PROVIDER}`
          : s.kind === "none"
            ? "no pip"
            : unknownCreds
              ? `a pip assumed >= ${PIP_CREDS_MODE}`
              : `a pip no newer than ${newestPip?.listed}, the newest for CPython ${python}`;
    let pip: string;
    if (listed && unlisted?.kind === "unknown" && listed.kind === "pip" && (creds(listed) || !unknownCreds)) pip = `pip ${listed.pip}${unknownCreds ? " or newer" : ""}`;
    else pip = [listed, unlisted].filter((s): s is Seed => s !== undefined).map(text).join(", or ");
    return { pip, creds: creds(listed) || creds(unlisted), old: old(listed) && (unlisted === undefined || old(unlisted)) };
  }

  function pairingProblem(bad: readonly PipRun[]): string {
    const groups = new Map<string, { run: PipRun; pythons: string[] }>();
    for (const run of bad) {
      const key = `${run.who}\n${run.source}\n${run.pip}`;
      groups.set(key, { run, pythons: [...(groups.get(key)?.pythons ?? []), run.python] });
    }
    const users = [...groups.values()]
      .map(({ run, pythons: ps }) => (run.who === "bootstrap" ? `the bootstrap pip on ${label(ps)} (${run.pip}, from ${run.source})` : `the pip ${VENV_TOOL} seeds on ${label(ps)} (${run.pip}, from ${run.source})`))
      .join(" and ");
    const why = `pip >= ${PIP_CREDS_MODE} asks keyring in creds mode and refuses a keyring CLI older than ${KEYRING_CREDS_MODE} ("Keyring util is outdated; must be at least version ${KEYRING_CREDS_MODE}", pypa/pip#14150), and users run such a pip: ${users}`;
    const bootstrapCreds = bad.some((r) => r.who === "bootstrap");
    const seededCreds = bad.some((r) => r.who === "seeded");
    const olderVenv = newestOlderVirtualenv();
    if (keyringPin !== undefined) {
      const olderPip = [...PIP.releases].reverse().find((v) => !isPrerelease(v) && atLeast(v, PIP_KEYRING_PROVIDER) && !atLeast(v, PIP_CREDS_MODE) && targets.every((p) => runsOn(PIP, v, p)));
      const caps = [bootstrapCreds ? `pip==${olderPip}` : undefined, seededCreds && olderVenv ? `${VENV_TOOL}==${olderVenv} (it seeds pip < ${PIP_CREDS_MODE})` : undefined].filter(Boolean);
      return `mirror.lockFile: ${lockName} pins keyring==${keyringPin}, older than ${KEYRING_CREDS_MODE}, but ${why}. Fix: pin keyring==${goodKeyring} (any keyring >= ${KEYRING_CREDS_MODE} but 25.4.0)${caps.length ? `, or pin ${caps.join(" and ")}` : ""}`;
    }
    const spec = keyringSpec as Spec;
    const newest = newestRelease(KEYRING, spec.range, targets[targets.length - 1]);
    const capped = pipReq.specifier === "" ? `pip>=${PIP_KEYRING_PROVIDER},<${PIP_CREDS_MODE}` : `${mirror.bootstrapPip},<${PIP_CREDS_MODE}`;
    const cappedOk = mirroredPip !== undefined && !isEmpty(intersect(mirroredPip, specifier(`>=${PIP_KEYRING_PROVIDER},<${PIP_CREDS_MODE}`)));
    const caps = [
      bootstrapCreds && cappedOk ? `cap mirror.bootstrapPip below ${PIP_CREDS_MODE} ("${capped}")` : undefined,
      seededCreds && olderVenv
        ? venvSpec
          ? `cap ${venvSpec.field} at ${olderVenv} (it seeds pip < ${PIP_CREDS_MODE}: ${venvSpec.text.includes('", "') ? `add "${VENV_TOOL}<=${olderVenv}"` : `"${venvSpec.text.slice(1, -1)},<=${olderVenv}"`})`
          : `add "${VENV_TOOL}<=${olderVenv}" to mirror.packages (it seeds pip < ${PIP_CREDS_MODE})`
        : undefined,
    ].filter(Boolean);
    const fixable = caps.length === Number(bootstrapCreds) + Number(seededCreds);
    return `${spec.field}: ${spec.text} admits only keyring < ${KEYRING_CREDS_MODE} (newest: ${newest ? describeNewest("keyring", newest) : "none"}), but ${why}. Fix: allow keyring >= ${KEYRING_CREDS_MODE} (e.g. "${GOOD_KEYRING_SPEC}")${fixable ? `, or ${caps.join(" and ")}` : ""}`;
  }

  /** The newest listed virtualenv that seeds, on every target, a pip with keyring-provider but without creds mode. */
  function newestOlderVirtualenv(): string | undefined {
    return [...VIRTUALENV.releases].reverse().find((v) =>
      targets.every((p) => {
        const seed = seedOf(v, p);
        return runsOn(VIRTUALENV, v, p) && seed.kind === "pip" && atLeast(seed.pip, PIP_KEYRING_PROVIDER) && !atLeast(seed.pip, PIP_CREDS_MODE);
      }),
    );
  }
}
