/**
 * The tool bare private hosts create venvs with: a stock image lacks python3-venv (no ensurepip), and a
 * host without internet cannot install it; the mirror uploads it with its closure, like pip.
 */
export const VENV_TOOL = "virtualenv";

/** The requirement's name (PEP 503 normalized) and its version specifier ("" for any version). */
export function parseRequirement(requirement: string): { name: string; specifier: string } {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$/.exec(requirement.trim());
  return { name: normalizeName(match?.[1] ?? requirement), specifier: (match?.[3] ?? "").trim() };
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Pinned versions (`name==version`) of a hash-pinned lock, by normalized name. */
export function lockPins(lock: string): Map<string, string> {
  const pins = new Map<string, string>();
  for (const line of lock.split("\n")) {
    const pin = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)/.exec(line.trim());
    if (pin) pins.set(normalizeName(pin[1]), pin[3]);
  }
  return pins;
}
