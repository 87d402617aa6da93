import { compare } from "@renovatebot/pep440/lib/operator";
import { parse, satisfies, validRange } from "@renovatebot/pep440/lib/specifier";
import { explain } from "@renovatebot/pep440/lib/version";

/**
 * The few questions the synth asks of PEP 440 versions and specifier sets, answered with @renovatebot/pep440
 * (its modules by path: the synth loads only what it uses). None needs to know which releases exist.
 */

/** A PEP 440 version. */
export const isVersion = (version: string): boolean => explain(version) !== null;

/** A PEP 440 specifier set ("" admits every version). */
export const isSpecifier = (specifier: string): boolean => validRange(specifier);

/** PEP 440 order of two versions (both valid). */
export const atLeast = (version: string, floor: string): boolean => compare(version, floor) >= 0;

/** The same version in PEP 440 terms (25.4 is 25.4.0). */
export const sameVersion = (a: string, b: string): boolean => isVersion(a) && isVersion(b) && compare(a, b) === 0;

/** The versions a (valid) specifier set pins exactly, with `==V` (no wildcard) or `===V`, and admits as a whole. */
export function pinnedVersions(specifier: string): string[] {
  const clauses = (parse(specifier) ?? []) as Array<{ operator: string; version?: string; prefix?: string; legacy?: string }>;
  return clauses
    .filter((c) => c.operator === "===" || (c.operator === "==" && !c.prefix))
    .map((c) => c.version ?? c.legacy ?? "")
    .filter((v) => v !== "" && satisfies(v, specifier, { prereleases: true }));
}

/**
 * Whether a (valid) specifier set admits a version at or above `from` and, with `below`, whose release is below
 * `below` (26.2rc1's release is 26.2): a final release, or a pre-release where a clause names one (PEP 440,
 * "Handling of pre-releases"). Candidates are 0, the bounds, each clause's version and the next releases after
 * each (X.Y.Z.1, X.Y.Z+1, X.Y+1, X+1): where a spec admits versions, one of these lies among them, but for gaps
 * no project releases in (`>23.1,<23.1.0.1`), which count as admitting none.
 */
export function admits(specifier: string, { from, below }: { from?: string; below?: string }): boolean {
  const clauses = (parse(specifier) ?? []) as Array<{ version?: string; legacy?: string; is_prerelease?: boolean }>;
  const prereleases = clauses.some((c) => c.is_prerelease);
  const candidates = new Set<string>();
  for (const base of ["0", from, below, ...clauses.map((c) => c.version ?? c.legacy)]) {
    const v = base === undefined ? null : explain(base);
    if (!v || base === undefined) continue;
    candidates.add(base);
    const r = v.release;
    for (let k = r.length; k >= 0; k--) candidates.add([...r.slice(0, k), (r[k] ?? 0) + 1].join("."));
  }
  return [...candidates].some(
    (c) =>
      isVersion(c) &&
      (from === undefined || atLeast(c, from)) &&
      (below === undefined || !atLeast(explain(c)?.base_version ?? c, below)) &&
      satisfies(c, specifier, { prereleases }),
  );
}
