import { explain } from "@renovatebot/pep440/lib/version";
import { BROKEN_KEYRINGS, GOOD_KEYRING_SPEC, KEYRING_CREDS_MODE, PIP_CREDS_MODE, PIP_KEYRING_PROVIDER } from "./pip-facts";
import { lockPins, normalizeName, parseRequirement } from "./requirements";
import { admits, atLeast, isSpecifier, isVersion, pinnedVersions, sameVersion } from "./version-ranges";

/**
 * The pip / keyring pairings the synth refuses: only what a spec or a lock says outright, with no release table
 * (the facts, with their sources, are in pip-facts.ts):
 * - mirror.bootstrapPip, with any pip requirement of mirror.packages (the mirror downloads both in one
 *   resolve), must admit a pip >= 23.1: keyring-provider = subprocess needs it;
 * - a keyring requirement of mirror.packages, or the lock, must not pin the broken keyring CLI 25.2.0 or 25.4.0;
 * - the lock (exact pins) must not pin a pip older than 23.1;
 * - the pip and the keyring the lock pins, or else the only ones the specs admit, must not be a pip >= 26.2
 *   (creds mode) with a keyring older than 25.2.1.
 * Which release a spec gets (the newest keyring `keyring<25` admits, the pip `pip>=23.1` gets on CPython 3.9) and
 * which pip the mirrored virtualenv seeds new venvs with on each target, the mirror decides on the real wheels at
 * its `policy` step (agent/pip_airlock_agent/pairing.py), refusing a closure that breaks a rule there before
 * anything is uploaded or signed.
 */

const BROKEN_EXCLUDED = Object.keys(BROKEN_KEYRINGS)
  .map((v) => `!=${v}`)
  .join(",");
const broken = (version: string): string | undefined => Object.entries(BROKEN_KEYRINGS).find(([v]) => sameVersion(v, version))?.[1];
/** pip >= 26.2, a pre-release of 26.2 included (as the mirror takes it). */
const asksCreds = (pip: string): boolean => atLeast(explain(pip)?.base_version ?? pip, PIP_CREDS_MODE);
const WHY_CREDS =
  `pip >= ${PIP_CREDS_MODE} asks keyring in creds mode and refuses a keyring CLI older than ${KEYRING_CREDS_MODE} ` +
  `("Keyring util is outdated; must be at least version ${KEYRING_CREDS_MODE}", pypa/pip#14150)`;

/** Problems (field path: message with the fix) with the pips and keyrings a config pins or admits. */
export function pipKeyringProblems(
  mirror: { packages: readonly string[]; bootstrapPip: string; lockFile?: string },
  lock: string,
): string[] {
  const problems: string[] = [];
  const lockName = `"${mirror.lockFile}"`;
  const requirementsOf = (project: string) =>
    mirror.packages
      .map((text, i) => ({ field: `mirror.packages.${i}`, text, req: parseRequirement(text) }))
      .filter((e) => e.req.name === normalizeName(project));

  // --- the pip the mirror downloads: mirror.bootstrapPip with any pip of mirror.packages
  const useProvider = `use e.g. "pip>=${PIP_KEYRING_PROVIDER}"`;
  const pipReq = parseRequirement(mirror.bootstrapPip);
  let pipSpec: string | undefined;
  if (pipReq.name !== "pip") {
    problems.push(`mirror.bootstrapPip: "${mirror.bootstrapPip}" is not a pip requirement: ${useProvider}`);
  } else if (!isSpecifier(pipReq.specifier)) {
    problems.push(`mirror.bootstrapPip: "${mirror.bootstrapPip}" is not a PEP 440 version specifier: ${useProvider}`);
  } else if (!admits(pipReq.specifier, { from: PIP_KEYRING_PROVIDER })) {
    problems.push(
      `mirror.bootstrapPip: "${mirror.bootstrapPip}" excludes pip >= ${PIP_KEYRING_PROVIDER}, which keyring-provider = subprocess needs: ${useProvider}`,
    );
  } else {
    pipSpec = pipReq.specifier;
  }
  for (const e of requirementsOf("pip")) {
    if (!isSpecifier(e.req.specifier)) {
      problems.push(`${e.field}: "${e.text}" is not a PEP 440 version specifier: ${useProvider}`);
      pipSpec = undefined;
    } else if (pipSpec !== undefined) {
      const both = [pipSpec, e.req.specifier].filter(Boolean).join(",");
      if (admits(both, { from: PIP_KEYRING_PROVIDER })) {
        pipSpec = both;
      } else {
        problems.push(
          `${e.field}: "${e.text}" and mirror.bootstrapPip "${mirror.bootstrapPip}" admit no pip >= ${PIP_KEYRING_PROVIDER} together, which keyring-provider = subprocess needs: make them agree, or drop pip from mirror.packages`,
        );
        pipSpec = undefined;
      }
    }
  }

  // --- the keyring requirements of mirror.packages: valid, and not pinning a broken CLI
  const keyrings = requirementsOf("keyring");
  let keyringSpec: string | undefined = keyrings.length > 0 ? "" : undefined;
  for (const e of keyrings) {
    if (!isSpecifier(e.req.specifier)) {
      problems.push(`${e.field}: "${e.text}" is not a PEP 440 version specifier: use e.g. "${GOOD_KEYRING_SPEC}"`);
      keyringSpec = undefined;
      continue;
    }
    for (const v of pinnedVersions(e.req.specifier)) {
      const why = broken(v);
      if (why) {
        problems.push(`${e.field}: "${e.text}" pins keyring ${v}, whose CLI ${why}: use e.g. "${GOOD_KEYRING_SPEC}"`);
        keyringSpec = undefined;
      }
    }
    if (keyringSpec !== undefined) keyringSpec = [keyringSpec, e.req.specifier].filter(Boolean).join(",");
  }

  // --- the lock's pins (with a lock the mirror downloads exactly these)
  const pins = lock ? lockPins(lock) : new Map<string, string>();
  const pin = (name: string): string | undefined => {
    const v = pins.get(name);
    if (v !== undefined && !isVersion(v)) {
      problems.push(
        `mirror.lockFile: ${lockName} pins ${name}==${v}, which is not a PEP 440 version: make the lock again with recipes/make-lock.sh (docs/configuration.md, Locks)`,
      );
      return undefined;
    }
    return v;
  };
  const [pipPin, keyringPin] = [pin("pip"), pin("keyring")];
  if (lock) {
    const keyringBroken = keyringPin !== undefined ? broken(keyringPin) : undefined;
    if (keyringPin !== undefined && keyringBroken) {
      problems.push(
        `mirror.lockFile: ${lockName} pins keyring==${keyringPin}, whose CLI ${keyringBroken}: pin another (compile the lock from "keyring${BROKEN_EXCLUDED}", e.g. "${GOOD_KEYRING_SPEC}")`,
      );
    }
    if (pipPin !== undefined && !atLeast(pipPin, PIP_KEYRING_PROVIDER)) {
      problems.push(
        `mirror.lockFile: ${lockName} pins pip==${pipPin}: keyring-provider = subprocess needs pip >= ${PIP_KEYRING_PROVIDER}: pin a newer pip`,
      );
    }
    if (
      pipPin !== undefined &&
      keyringPin !== undefined &&
      !keyringBroken &&
      asksCreds(pipPin) &&
      !atLeast(keyringPin, KEYRING_CREDS_MODE)
    ) {
      problems.push(
        `mirror.lockFile: ${lockName} pins pip==${pipPin} with keyring==${keyringPin}, but ${WHY_CREDS}. ` +
          `Fix: pin a keyring >= ${KEYRING_CREDS_MODE} (compile the lock from "${GOOD_KEYRING_SPEC}"), or a pip older than ${PIP_CREDS_MODE}`,
      );
    }
    return problems;
  }

  // --- without a lock: the specs, when every pip they admit asks in creds mode and every keyring is older than 25.2.1
  if (
    pipSpec !== undefined &&
    keyringSpec !== undefined &&
    !admits(pipSpec, { below: PIP_CREDS_MODE }) &&
    !admits(keyringSpec, { from: KEYRING_CREDS_MODE })
  ) {
    const field = keyrings.length === 1 ? keyrings[0].field : "mirror.packages";
    const text = keyrings.map((e) => `"${e.text}"`).join(", ");
    const pips = [`mirror.bootstrapPip "${mirror.bootstrapPip}"`, ...requirementsOf("pip").map((e) => `"${e.text}"`)].join(" with ");
    problems.push(
      `${field}: ${text} admits only keyring < ${KEYRING_CREDS_MODE}, and ${pips} only pip >= ${PIP_CREDS_MODE}, but ${WHY_CREDS}. ` +
        `Fix: allow keyring >= ${KEYRING_CREDS_MODE} (e.g. "${GOOD_KEYRING_SPEC}"), or a pip older than ${PIP_CREDS_MODE} (e.g. "pip>=${PIP_KEYRING_PROVIDER},<${PIP_CREDS_MODE}")`,
    );
  }
  return problems;
}
