import { explain } from "@renovatebot/pep440";

/**
 * PEP 440 version specifier sets as unions of version intervals, so that a spec can be intersected
 * with a boundary ("does `pip>=23.1,<26.2` admit a pip >= 26.2?") and asked for the newest release it
 * admits, instead of being probed at a few versions.
 *
 * Ordering follows PEP 440 (packaging's `_cmpkey`): within one epoch and release (trailing zeros
 * ignored, 25.6 == 25.6.0), `X.devN < X.aN.devM < X.aN < X.bN < X.rcN < X < X.postN.devM < X.postN`.
 * Local version labels (`+abc`) are ignored: every table this is used with has none.
 *
 * Emptiness is of the interval algebra: an interval such as `(25.0, 25.0.post0.dev0)` counts as
 * non-empty though no PEP 440 version lies in it. Questions about real versions (pre-releases, which
 * releases exist) go through `admits`, `newestAdmitted` and `admitsAReleaseIn`.
 */

/** A point of the PEP 440 order, or a bound just below / above every version of a release. */
export interface VersionKey {
  readonly epoch: number;
  /** Release numbers, trailing zeros dropped. */
  readonly release: readonly number[];
  /** [phase, number]: a=0, b=1, rc=2; [+Inf, 0] for none; [-Inf, 0] for a dev release without pre. */
  readonly pre: readonly [number, number];
  /** -Inf for none. */
  readonly post: number;
  /** +Inf for none. */
  readonly dev: number;
}

export interface Bound {
  readonly key: VersionKey;
  readonly inclusive: boolean;
}

/** Versions between lo and hi; a missing bound is unbounded. */
export interface Interval {
  readonly lo?: Bound;
  readonly hi?: Bound;
}

export interface VersionRange {
  /** Sorted, disjoint, non-empty intervals; [] admits nothing, [{}] everything. */
  readonly intervals: readonly Interval[];
  /** A clause names a pre-release (or dev release): pre-releases are admitted (PEP 440, "Handling of pre-releases"). */
  readonly prereleases: boolean;
  /** `===` literals a version's text must equal (case-insensitive). */
  readonly literals: readonly string[];
}

export const ANY: VersionRange = { intervals: [{}], prereleases: false, literals: [] };

const PHASES: Record<string, number> = { a: 0, b: 1, rc: 2 };

function trim(release: readonly number[]): number[] {
  const out = [...release];
  while (out.length > 1 && out[out.length - 1] === 0) out.pop();
  return out;
}

/** Parsed keys, by version string: the release tables are compared thousands of times a synth. */
const KEYS = new Map<string, VersionKey | undefined>();

/** The PEP 440 sort key of a version, or undefined when it is not a PEP 440 version. */
export function versionKey(version: string): VersionKey | undefined {
  if (!KEYS.has(version)) KEYS.set(version, parseVersionKey(version));
  return KEYS.get(version);
}

function parseVersionKey(version: string): VersionKey | undefined {
  const v = explain(version);
  if (!v) return undefined;
  const pre: [number, number] =
    v.pre && v.pre.length === 2 ? [PHASES[String(v.pre[0])] ?? 0, Number(v.pre[1])] : v.post === null && v.dev !== null ? [-Infinity, 0] : [Infinity, 0];
  return {
    epoch: v.epoch,
    release: trim(v.release),
    pre,
    post: v.post === null ? -Infinity : Number(v.post),
    dev: v.dev === null ? Infinity : Number(v.dev),
  };
}

function mustKey(version: string): VersionKey {
  const key = versionKey(version);
  if (!key) throw new Error(`not a PEP 440 version: ${version}`);
  return key;
}

export function compareKeys(a: VersionKey, b: VersionKey): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (d !== 0) return d;
  }
  const pairs: Array<[number, number]> = [
    [a.pre[0], b.pre[0]],
    [a.pre[1], b.pre[1]],
    [a.post, b.post],
    [a.dev, b.dev],
  ];
  for (const [x, y] of pairs) if (x !== y) return x < y ? -1 : 1;
  return 0;
}

/** PEP 440 comparison of two version strings (throws on a non-version). */
export function compareVersions(a: string, b: string): number {
  return compareKeys(mustKey(a), mustKey(b));
}

export function isPrerelease(version: string): boolean {
  const v = explain(version);
  return Boolean(v && v.is_prerelease);
}

/** Below every version of `release` (its dev releases included). */
const belowRelease = (epoch: number, release: readonly number[]): VersionKey => ({ epoch, release: trim(release), pre: [-Infinity, -Infinity], post: -Infinity, dev: -Infinity });

const interval = (lo?: Bound, hi?: Bound): Interval => ({ lo, hi });
const incl = (key: VersionKey): Bound => ({ key, inclusive: true });
const excl = (key: VersionKey): Bound => ({ key, inclusive: false });

function nonEmpty({ lo, hi }: Interval): boolean {
  if (!lo || !hi) return true;
  const c = compareKeys(lo.key, hi.key);
  return c < 0 || (c === 0 && lo.inclusive && hi.inclusive);
}

/** The higher of two lower bounds (the exclusive one at a tie). */
function maxLo(a?: Bound, b?: Bound): Bound | undefined {
  if (!a) return b;
  if (!b) return a;
  const c = compareKeys(a.key, b.key);
  return c > 0 ? a : c < 0 ? b : a.inclusive ? b : a;
}

/** The lower of two upper bounds (the exclusive one at a tie). */
function minHi(a?: Bound, b?: Bound): Bound | undefined {
  if (!a) return b;
  if (!b) return a;
  const c = compareKeys(a.key, b.key);
  return c < 0 ? a : c > 0 ? b : a.inclusive ? b : a;
}

function compareLo(a?: Bound, b?: Bound): number {
  if (!a || !b) return !a && !b ? 0 : !a ? -1 : 1;
  return compareKeys(a.key, b.key) || (a.inclusive === b.inclusive ? 0 : a.inclusive ? -1 : 1);
}

/** Sort, drop empty intervals, merge overlapping or touching ones. */
function normalize(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(nonEmpty).sort((a, b) => compareLo(a.lo, b.lo));
  const out: Interval[] = [];
  for (const next of sorted) {
    const last = out[out.length - 1];
    const touches = last && (!last.hi || !next.lo || compareKeys(next.lo.key, last.hi.key) < 0 || (compareKeys(next.lo.key, last.hi.key) === 0 && (next.lo.inclusive || last.hi.inclusive)));
    if (!last || !touches) {
      out.push(next);
      continue;
    }
    const hi = !last.hi || !next.hi ? undefined : compareKeys(last.hi.key, next.hi.key) > 0 || (compareKeys(last.hi.key, next.hi.key) === 0 && last.hi.inclusive) ? last.hi : next.hi;
    out[out.length - 1] = interval(last.lo, hi);
  }
  return out;
}

function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) for (const y of b) out.push(interval(maxLo(x.lo, y.lo), minHi(x.hi, y.hi)));
  return normalize(out);
}

/** The versions in both ranges (a specifier set joining both sets' clauses). */
export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  return { intervals: intersectIntervals(a.intervals, b.intervals), prereleases: a.prereleases || b.prereleases, literals: [...a.literals, ...b.literals] };
}

/** No version at all lies in the range (see the note on emptiness above). */
export function isEmpty(range: VersionRange): boolean {
  if (range.intervals.length === 0) return true;
  const distinct = new Set(range.literals.map((l) => l.toLowerCase()));
  return distinct.size > 1;
}

function contains(intervals: readonly Interval[], key: VersionKey): boolean {
  return intervals.some(({ lo, hi }) => {
    const aboveLo = !lo || compareKeys(key, lo.key) > 0 || (lo.inclusive && compareKeys(key, lo.key) === 0);
    const belowHi = !hi || compareKeys(key, hi.key) < 0 || (hi.inclusive && compareKeys(key, hi.key) === 0);
    return aboveLo && belowHi;
  });
}

/** One clause (`>=23.1`, `==25.*`, `~=25.4`, `===x`, …) as intervals; undefined when it is not PEP 440. */
function clause(text: string): VersionRange | undefined {
  const m = /^(===|~=|==|!=|<=|>=|<|>)\s*(\S+)$/.exec(text.trim());
  if (!m) return undefined;
  const [, op, raw] = m;
  if (op === "===") {
    const key = versionKey(raw);
    return { intervals: key ? [interval(incl(key), incl(key))] : [], prereleases: isPrerelease(raw), literals: [raw] };
  }
  const prefix = raw.endsWith(".*");
  const text_ = prefix ? raw.slice(0, -2) : raw;
  const v = explain(text_);
  if (!v) return undefined;
  const key = mustKey(text_);
  const pre = v.is_prerelease;
  // PEP 440: local labels only with == and !=, a prefix (.*) only with == and != on a plain release,
  // ~= needs at least two release numbers.
  if (v.local && op !== "==" && op !== "!=") return undefined;
  if (prefix && (!["==", "!="].includes(op) || v.pre || v.post !== null || v.dev !== null || v.local)) return undefined;
  if (op === "~=" && v.release.length < 2) return undefined;
  const range = (intervals: Interval[]): VersionRange => ({ intervals: normalize(intervals), prereleases: op !== "!=" && pre, literals: [] });
  const prefixInterval = (release: readonly number[]) => {
    const upper = [...release.slice(0, -1), release[release.length - 1] + 1];
    return interval(incl(belowRelease(v.epoch, release)), excl(belowRelease(v.epoch, upper)));
  };
  switch (op) {
    case "==":
      return range([prefix ? prefixInterval(v.release) : interval(incl(key), incl(key))]);
    case "!=": {
      const hole = prefix ? prefixInterval(v.release) : interval(incl(key), incl(key));
      const [lo, hi] = [hole.lo as Bound, hole.hi as Bound];
      return range([interval(undefined, { key: lo.key, inclusive: false }), interval({ key: hi.key, inclusive: !hi.inclusive })]);
    }
    case ">=":
      return range([interval(incl(key))]);
    case "<=":
      return range([interval(undefined, incl(key))]);
    case ">":
      // PEP 440: >V admits no post-release of V unless V is one (nor, for a dev V, anything else).
      return range([interval(excl(v.post === null && v.dev === null ? { ...key, post: Infinity, dev: Infinity } : key))]);
    case "<":
      // PEP 440: <V admits no pre-release of V unless V is one (here: unless V is not a plain release).
      return range([interval(undefined, excl(pre || v.post !== null ? key : belowRelease(v.epoch, v.release)))]);
    case "~=":
      // ~=X.Y.Z means >=X.Y.Z, ==X.Y.*
      return range([interval(incl(key), prefixInterval(v.release.slice(0, -1)).hi)]);
  }
  return undefined;
}

/** A specifier set ("" admits every version), or undefined when it is not valid PEP 440. */
export function parseSpecifier(specifier: string): VersionRange | undefined {
  if (specifier.trim() === "") return ANY;
  let range = ANY;
  for (const part of specifier.split(",")) {
    const c = clause(part);
    if (!c) return undefined;
    range = intersect(range, c);
  }
  return range;
}

/** parseSpecifier for a specifier known to be valid (the tables in pip-facts.ts). */
export function specifier(text: string): VersionRange {
  const range = parseSpecifier(text);
  if (!range) throw new Error(`not a PEP 440 specifier: ${text}`);
  return range;
}

/** The version satisfies the specifier set; pre-releases only when a clause names one. */
export function admits(range: VersionRange, version: string): boolean {
  const key = versionKey(version);
  if (range.literals.some((l) => l.toLowerCase() !== version.toLowerCase())) return false;
  if (!key) return false;
  if (isPrerelease(version) && !range.prereleases) return false;
  return contains(range.intervals, key);
}

/** The newest of `versions` the range admits. */
export function newestAdmitted(range: VersionRange, versions: readonly string[]): string | undefined {
  return versions.filter((v) => admits(range, v)).sort(compareVersions).pop();
}

/**
 * Whether the range admits some version inside `region` that a project could release (a final
 * release, or any version when the range admits pre-releases): for releases a table does not list,
 * such as "any release after 25.7.0". Candidates are the region's and the range's own bounds and the
 * next releases after them (X.Y.Z.1, X.Y.Z+1, X.Y+1, X+1).
 */
export function admitsAReleaseIn(range: VersionRange, region: VersionRange): boolean {
  const both = intersect(range, region);
  if (isEmpty(both)) return false;
  if (both.literals.length > 0) return admits(both, both.literals[0]);
  if (both.prereleases) return true;
  return both.intervals.some(({ lo }) => {
    if (!lo) return true;
    const candidates: VersionKey[] = [];
    const isFinal = lo.key.pre[0] === Infinity && lo.key.pre[1] === 0 && lo.key.post === -Infinity && lo.key.dev === Infinity;
    if (isFinal) candidates.push(lo.key);
    const r = lo.key.release;
    for (let k = r.length; k >= 0; k--) {
      const release = [...r.slice(0, k), (r[k] ?? 0) + 1];
      candidates.push({ epoch: lo.key.epoch, release: trim(release), pre: [Infinity, 0], post: -Infinity, dev: Infinity });
    }
    return candidates.some((c) => contains(both.intervals, c));
  });
}

/** Every version strictly between `lo` and `hi` (a missing one unbounded): a region of releases a table does not list. */
export function between(lo: string | undefined, hi: string | undefined): VersionRange {
  return { intervals: [interval(lo === undefined ? undefined : excl(mustKey(lo)), hi === undefined ? undefined : excl(mustKey(hi)))], prereleases: false, literals: [] };
}
