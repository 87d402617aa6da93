import { admits, admitsAReleaseIn, between, compareVersions, newestAdmitted, specifier, VersionRange } from "./version-ranges";

/**
 * What pip, keyring and virtualenv releases exist and do, for pip-keyring.ts. Each fact names where
 * it was read. Release lists are the projects' release tags (each tag is what their CI publishes to
 * PyPI; compare https://pypi.org/project/NAME/#history); releases after a list's newest entry, and
 * gaps it marks, are "unlisted": a spec that admits them is taken to admit some release there.
 */

/** pip asks keyring `keyring --mode=creds --output=json get SERVICE [USER]` from 26.2 on, and raises
 * "Keyring util is outdated; must be at least version 25.2.1, please upgrade it" when the keyring CLI
 * rejects --mode (pypa/pip#14150; src/pip/_internal/network/auth.py, `KeyRingCliProvider._get_creds`,
 * in pip 26.2; pip 26.0.1 and 26.1.2 still call plain `keyring get SERVICE USER`). */
export const PIP_CREDS_MODE = "26.2";
/** keyring added `get --mode=creds --output=json` in 25.2.0 (jaraco/keyring#678); 25.2.1 is the first whose creds mode works. */
export const KEYRING_CREDS_MODE = "25.2.1";
/** `keyring-provider = subprocess` (--keyring-provider) came in pip 23.1 (pip's NEWS.rst, 23.1: #8719). */
export const PIP_KEYRING_PROVIDER = "23.1";

/** keyring releases whose CLI is broken for pip: never mirror or pin them (keyring's NEWS.rst, keyring/cli.py). */
export const BROKEN_KEYRINGS: Readonly<Record<string, string>> = {
  // cli.py dispatches --mode=creds to `_get_creds`, defined as `_get_cred`: an AttributeError. 25.2.1: "Fix typo in CLI creds mode."
  "25.2.0": "crashes in creds mode (jaraco/keyring#681, fixed in 25.2.1)",
  // AnonymousCredential.username raises ValueError in the CLI's output. 25.4.1: "Fixed ValueError for AnonymousCredentials in CLI."
  "25.4.0": "crashes on a plain `keyring get` (jaraco/keyring#694, fixed in 25.4.1)",
};

/** Releases of one project, and the oldest CPython each needs (Requires-Python). */
export interface Project {
  readonly name: string;
  /** Listed releases, oldest first. */
  readonly releases: readonly string[];
  /** Version regions that may hold releases the list lacks: {after, before} exclusive, a missing end unbounded. */
  readonly unlisted: ReadonlyArray<{ readonly after?: string; readonly before?: string }>;
  /** [first release, oldest CPython it runs on], newest first; releases older than the last entry run on every CPython 3.8+. */
  readonly requiresPython: ReadonlyArray<readonly [string, string]>;
}

/** pip's release tags since 22.0 (github.com/pypa/pip, snapshot of 2026-08-20). */
export const PIP: Project = {
  name: "pip",
  releases: [
    "22.0", "22.0.1", "22.0.2", "22.0.3", "22.0.4", "22.1b1", "22.1", "22.1.1", "22.1.2", "22.2", "22.2.1", "22.2.2", "22.3", "22.3.1",
    "23.0", "23.0.1", "23.1", "23.1.1", "23.1.2", "23.2", "23.2.1", "23.3", "23.3.1", "23.3.2",
    "24.0", "24.1b1", "24.1b2", "24.1", "24.1.1", "24.1.2", "24.2", "24.3", "24.3.1",
    "25.0", "25.0.1", "25.1", "25.1.1", "25.2", "25.3",
    "26.0", "26.0.1", "26.1", "26.1.1", "26.1.2", "26.2", "26.2.1",
  ],
  unlisted: [{ before: "22.0" }, { after: "26.2.1" }],
  // pyproject.toml requires-python at each tag; 26.1 dropped Python 3.9 (pypa/pip#13795), 25.1 dropped 3.8.
  requiresPython: [["26.1", "3.10"], ["25.1", "3.9"], ["24.1", "3.8"]],
};

/** keyring's release tags since 20.0.0 (github.com/jaraco/keyring, snapshot of 2025-11-16: newest v25.7.0). */
export const KEYRING: Project = {
  name: "keyring",
  releases: [
    "20.0.0", "20.0.1", "21.0.0", "21.1.0", "21.1.1", "21.2.0", "21.2.1", "21.3.0", "21.3.1", "21.4.0", "21.5.0", "21.6.0", "21.7.0", "21.8.0",
    "22.0.0", "22.0.1", "22.1.0", "22.2.0", "22.3.0", "22.4.0",
    "23.0.0", "23.0.1", "23.1.0", "23.2.0", "23.2.1", "23.3.0", "23.4.0", "23.4.1", "23.5.0", "23.5.1", "23.6.0", "23.7.0", "23.8.0", "23.8.1",
    "23.8.2", "23.9.0", "23.9.1", "23.9.2", "23.9.3", "23.10.0", "23.11.0", "23.12.0", "23.12.1", "23.13.0", "23.13.1", "23.14.0",
    "24.0.0", "24.0.1", "24.1.0", "24.1.1", "24.2.0", "24.3.0", "24.3.1",
    "25.0.0", "25.0.1", "25.1.0", "25.2.0", "25.2.1", "25.3.0", "25.4.0", "25.4.1", "25.5.0", "25.6.0", "25.7.0",
  ],
  unlisted: [{ before: "20.0.0" }, { after: "25.7.0" }],
  // pyproject.toml / setup.cfg at each tag: 25.6.0 needs 3.9, 24.2.0 3.8.
  requiresPython: [["25.6.0", "3.9"], ["24.2.0", "3.8"]],
};

/**
 * virtualenv's release tags from 20.21.0 to 21.7.0 (github.com/pypa/virtualenv, snapshot of
 * 2026-07-24), and 21.14.1, read from its wheel (virtualenv-21.14.1-py3-none-any.whl). The releases
 * between 21.7.0 and 21.14.1 were not read.
 */
export const VIRTUALENV: Project = {
  name: "virtualenv",
  releases: [
    "20.21.0", "20.21.1", "20.22.0", "20.23.0", "20.23.1", "20.24.0", "20.24.1", "20.24.2", "20.24.3", "20.24.4", "20.24.5", "20.24.6", "20.24.7",
    "20.25.0", "20.25.1", "20.25.2", "20.25.3", "20.26.0", "20.26.1", "20.26.2", "20.26.3", "20.26.4", "20.26.5", "20.26.6",
    "20.27.0", "20.27.1", "20.27.2", "20.27.3", "20.28.0", "20.28.1", "20.29.0", "20.29.1", "20.29.2", "20.29.3", "20.30.0",
    "20.31.0", "20.31.1", "20.31.2", "20.32.0", "20.33.0", "20.33.1", "20.34.0", "20.35.0", "20.35.1", "20.35.2", "20.35.3", "20.35.4",
    "20.36.0", "20.36.1", "20.37.0", "20.38.0", "20.39.0", "20.39.1",
    "21.0.0", "21.1.0", "21.2.0", "21.2.1", "21.2.2", "21.2.3", "21.2.4", "21.3.0", "21.3.1", "21.3.2", "21.3.3", "21.4.0", "21.4.1", "21.4.2",
    "21.4.3", "21.5.0", "21.5.1", "21.5.2", "21.6.0", "21.6.1", "21.7.0",
    "21.14.1",
  ],
  unlisted: [{ before: "20.21.0" }, { after: "21.7.0", before: "21.14.1" }, { after: "21.14.1" }],
  // pyproject.toml requires-python at each tag; the 21.14.1 wheel's METADATA says >=3.9.
  requiresPython: [["21.5.0", "3.9"], ["20.27.0", "3.8"]],
};

/** The first virtualenv that embeds pip >= 23.1 (pip 23.1); every older one predates pip 23.1 (20.21.0: 2023-03-12, pip 23.1: 2023-04-15). */
export const VIRTUALENV_WITH_KEYRING_PROVIDER = "20.21.1";

/**
 * What `virtualenv/seed/wheels/embed/__init__.py` embeds: BUNDLE_SUPPORT maps the target CPython to
 * the pip wheel a new venv is seeded with (`get_embed_wheel`). CPython keys below 3.7 are left out.
 */
export interface SeedRow {
  /** The virtualenv versions (a specifier) this row holds for. */
  readonly virtualenv: string;
  /** [first CPython, pip], ascending: each pip holds from its CPython up to the next entry's, and up to `newest`. */
  readonly pip: ReadonlyArray<readonly [string, string]>;
  /** The newest CPython BUNDLE_SUPPORT lists. */
  readonly newest: string;
  /** MAX: the key `get_embed_wheel` uses for a CPython BUNDLE_SUPPORT lacks (20.22.0 to 21.3.1 set it to the OLDEST key). */
  readonly fallback: string;
  /** From 21.5.1 a CPython older than the oldest key gets no pip: virtualenv refuses to seed it (pypa/virtualenv#3171). */
  readonly noneBelowOldest?: true;
}

/** Read with `git show TAG:src/virtualenv/seed/wheels/embed/__init__.py` for every tag from 20.21.1 to 21.7.0, and from the 21.14.1 wheel. */
export const VIRTUALENV_SEEDS: readonly SeedRow[] = [
  { virtualenv: ">=20.21.1,<20.22.0", pip: [["3.7", "23.1"]], newest: "3.12", fallback: "3.12" },
  { virtualenv: ">=20.22.0,<20.23.0", pip: [["3.7", "23.1"]], newest: "3.12", fallback: "3.7" },
  { virtualenv: ">=20.23.0,<20.24.1", pip: [["3.7", "23.1.2"]], newest: "3.12", fallback: "3.7" },
  { virtualenv: ">=20.24.1,<20.24.2", pip: [["3.7", "23.2"]], newest: "3.12", fallback: "3.7" },
  { virtualenv: ">=20.24.2,<20.24.6", pip: [["3.7", "23.2.1"]], newest: "3.12", fallback: "3.7" },
  { virtualenv: ">=20.24.6,<20.25.0", pip: [["3.7", "23.3.1"]], newest: "3.12", fallback: "3.7" },
  { virtualenv: ">=20.25.0,<20.25.1", pip: [["3.7", "23.3.1"]], newest: "3.13", fallback: "3.7" },
  { virtualenv: ">=20.25.1,<20.26.3", pip: [["3.7", "24.0"]], newest: "3.13", fallback: "3.7" },
  { virtualenv: ">=20.26.3,<20.26.4", pip: [["3.7", "24.0"], ["3.8", "24.1"]], newest: "3.14", fallback: "3.7" },
  { virtualenv: ">=20.26.4,<20.27.0", pip: [["3.7", "24.0"], ["3.8", "24.2"]], newest: "3.14", fallback: "3.7" },
  { virtualenv: ">=20.27.0,<20.27.1", pip: [["3.8", "24.2"]], newest: "3.14", fallback: "3.8" },
  { virtualenv: ">=20.27.1,<20.29.2", pip: [["3.8", "24.3.1"]], newest: "3.14", fallback: "3.8" },
  { virtualenv: ">=20.29.2,<20.31.0", pip: [["3.8", "25.0.1"]], newest: "3.14", fallback: "3.8" },
  { virtualenv: ">=20.31.0,<20.31.1", pip: [["3.8", "25.0.1"], ["3.9", "25.1"]], newest: "3.14", fallback: "3.8" },
  { virtualenv: ">=20.31.1,<20.34.0", pip: [["3.8", "25.0.1"], ["3.9", "25.1.1"]], newest: "3.14", fallback: "3.8" },
  { virtualenv: ">=20.34.0,<20.35.4", pip: [["3.8", "25.0.1"], ["3.9", "25.2"]], newest: "3.14", fallback: "3.8" },
  { virtualenv: ">=20.35.4,<20.38.0", pip: [["3.8", "25.0.1"], ["3.9", "25.3"]], newest: "3.15", fallback: "3.8" },
  { virtualenv: ">=20.38.0,<21.3.0", pip: [["3.8", "25.0.1"], ["3.9", "26.0.1"]], newest: "3.15", fallback: "3.8" },
  { virtualenv: ">=21.3.0,<21.3.1", pip: [["3.8", "25.0.1"], ["3.9", "26.0.1"], ["3.10", "26.1"]], newest: "3.15", fallback: "3.8" },
  { virtualenv: ">=21.3.1,<21.3.2", pip: [["3.8", "25.0.1"], ["3.9", "26.0.1"], ["3.10", "26.1.1"]], newest: "3.15", fallback: "3.8" },
  { virtualenv: ">=21.3.2,<21.4.3", pip: [["3.8", "25.0.1"], ["3.9", "26.0.1"], ["3.10", "26.1.1"]], newest: "3.16", fallback: "3.16" },
  { virtualenv: ">=21.4.3,<21.5.0", pip: [["3.8", "25.0.1"], ["3.9", "26.0.1"], ["3.10", "26.1.2"]], newest: "3.16", fallback: "3.16" },
  { virtualenv: ">=21.5.0,<21.5.1", pip: [["3.9", "26.0.1"], ["3.10", "26.1.2"]], newest: "3.16", fallback: "3.16" },
  { virtualenv: ">=21.5.1,<=21.7.0", pip: [["3.9", "26.0.1"], ["3.10", "26.1.2"]], newest: "3.16", fallback: "3.16", noneBelowOldest: true },
  { virtualenv: "==21.14.1", pip: [["3.9", "26.0.1"], ["3.10", "26.2.1"]], newest: "3.16", fallback: "3.16", noneBelowOldest: true },
];

/** What a virtualenv seeds a new venv with for one CPython. */
export type Seed =
  | { readonly kind: "pip"; readonly pip: string }
  /** No pip: virtualenv refuses to seed that CPython. */
  | { readonly kind: "none" }
  /** Older than VIRTUALENV_WITH_KEYRING_PROVIDER: a pip older than 23.1. */
  | { readonly kind: "old" }
  /** A virtualenv the table lacks. */
  | { readonly kind: "unknown" };

const py = (a: string, b: string) => compareVersions(a, b);

/** The seed of one virtualenv version for a CPython ("3.11"), as `get_embed_wheel` picks it. */
export function seedOf(virtualenv: string, python: string): Seed {
  if (compareVersions(virtualenv, VIRTUALENV_WITH_KEYRING_PROVIDER) < 0) return { kind: "old" };
  const row = VIRTUALENV_SEEDS.find((r) => admits(specifier(r.virtualenv), virtualenv));
  if (!row) return { kind: "unknown" };
  const oldest = row.pip[0][0];
  if (py(python, oldest) < 0 && row.noneBelowOldest) return { kind: "none" };
  const key = py(python, oldest) < 0 || py(python, row.newest) > 0 ? row.fallback : python;
  const entry = [...row.pip].reverse().find(([from]) => py(key, from) >= 0) ?? row.pip[0];
  return { kind: "pip", pip: entry[1] };
}

/** The oldest CPython a release of `project` runs on ("3.8" for the releases older than the table's entries). */
export function requiredPython(project: Project, version: string): string {
  return project.requiresPython.find(([since]) => compareVersions(version, since) >= 0)?.[1] ?? "3.8";
}

export const runsOn = (project: Project, version: string, python: string) => py(python, requiredPython(project, version)) >= 0;

/** The newest release a range admits among those that run on a CPython. */
export interface Newest {
  /** The newest listed release admitted. */
  readonly listed?: string;
  /** An unlisted region above `listed` the range admits a release in. */
  readonly unlisted?: { readonly after?: string; readonly before?: string };
}

/**
 * The newest release of `project` that `range` admits and that runs on `python`, as pip download
 * would pick it; undefined when it admits none. An unlisted region is taken to keep the
 * Requires-Python of the listed release below it (a release does not bring back a dropped Python).
 */
export function newestRelease(project: Project, range: VersionRange, python: string): Newest | undefined {
  const listed = newestAdmitted(range, project.releases.filter((v) => runsOn(project, v, python)));
  // Regions hold no listed release, so one is above `listed` when it starts at or after it.
  const above = (r: Project["unlisted"][number]) => listed === undefined || (r.after !== undefined && compareVersions(listed, r.after) <= 0);
  const regions = project.unlisted.filter(
    (r) => above(r) && (r.after === undefined || runsOn(project, r.after, python)) && admitsAReleaseIn(range, between(r.after, r.before)),
  );
  const unlisted = regions.pop();
  if (listed === undefined && unlisted === undefined) return undefined;
  return { listed, unlisted };
}
