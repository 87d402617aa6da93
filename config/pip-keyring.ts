import { satisfies } from "@renovatebot/pep440";
import { lockPins, parseRequirement } from "./requirements";

/**
 * pip >= 26 asks keyring for credentials with `keyring --mode=creds --output=json get …` and refuses a
 * keyring CLI older than 25.2.1 ("Keyring util is outdated; must be at least version 25.2.1",
 * pypa/pip#14150; keyring added --mode in 25.2.0). pip's keyring-provider itself needs pip >= 23.1.
 */
const PIP_ASKS_CREDS_MODE = "26";
const KEYRING_WITH_CREDS_MODE = "25.2.1";
const PIP_WITH_KEYRING_PROVIDER = "23.1";
/** Versions a specifier is probed with: the boundaries above, releases after them, and any future one. */
const PROBES = ["23.1", "23.3.2", "24.3.1", "25.0", "25.2.1", "25.3.0", "25.7.0", "26.0", "26.2.1", "27.0", "99.0"];

const admits = (specifier: string, version: string) => specifier === "" || satisfies(version, specifier);
const admitsAtLeast = (specifier: string, floor: string) =>
  PROBES.some((v) => admits(specifier, v) && satisfies(v, `>=${floor}`));

/** Problems (field path: message with the fix) with the pip and keyring the mirror would pair. */
export function pipKeyringProblems(mirror: { packages: readonly string[]; bootstrapPip: string; lockFile?: string }, lock: string): string[] {
  const problems: string[] = [];
  const pip = parseRequirement(mirror.bootstrapPip);
  if (pip.name !== "pip") {
    problems.push(`mirror.bootstrapPip: "${mirror.bootstrapPip}" is not a pip requirement: use e.g. "pip>=${PIP_WITH_KEYRING_PROVIDER}"`);
  } else if (!admitsAtLeast(pip.specifier, PIP_WITH_KEYRING_PROVIDER)) {
    problems.push(`mirror.bootstrapPip: "${mirror.bootstrapPip}" excludes pip >= ${PIP_WITH_KEYRING_PROVIDER}, which keyring-provider = subprocess needs: use e.g. "pip>=${PIP_WITH_KEYRING_PROVIDER}"`);
  }
  const keyring = mirror.packages.map(parseRequirement).find((r) => r.name === "keyring");
  if (pip.name === "pip" && keyring && admitsAtLeast(pip.specifier, PIP_ASKS_CREDS_MODE) && !admitsAtLeast(keyring.specifier, KEYRING_WITH_CREDS_MODE)) {
    problems.push(
      `mirror.packages: "keyring${keyring.specifier}" pairs an old keyring with "${mirror.bootstrapPip}", which mirrors pip >= ${PIP_ASKS_CREDS_MODE}: that pip refuses keyring < ${KEYRING_WITH_CREDS_MODE} ("Keyring util is outdated", pypa/pip#14150). ` +
        `Allow "keyring>=${KEYRING_WITH_CREDS_MODE}", or cap mirror.bootstrapPip below ${PIP_ASKS_CREDS_MODE} (e.g. "pip>=${PIP_WITH_KEYRING_PROVIDER},<${PIP_ASKS_CREDS_MODE}")`,
    );
  }
  if (lock) {
    const pins = lockPins(lock);
    const [pipPin, keyringPin] = [pins.get("pip"), pins.get("keyring")];
    if (pipPin && keyringPin && satisfies(pipPin, `>=${PIP_ASKS_CREDS_MODE}`) && !satisfies(keyringPin, `>=${KEYRING_WITH_CREDS_MODE}`)) {
      problems.push(
        `mirror.lockFile: "${mirror.lockFile}" pins pip==${pipPin} with keyring==${keyringPin}: pip >= ${PIP_ASKS_CREDS_MODE} refuses keyring < ${KEYRING_WITH_CREDS_MODE} ("Keyring util is outdated", pypa/pip#14150): pin keyring>=${KEYRING_WITH_CREDS_MODE} or pip<${PIP_ASKS_CREDS_MODE}`,
      );
    }
    if (pipPin && !satisfies(pipPin, `>=${PIP_WITH_KEYRING_PROVIDER}`)) {
      problems.push(`mirror.lockFile: "${mirror.lockFile}" pins pip==${pipPin}: keyring-provider = subprocess needs pip >= ${PIP_WITH_KEYRING_PROVIDER}: pin a newer pip`);
    }
  }
  return problems;
}
