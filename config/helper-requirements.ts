import { normalizeName } from "./requirements";

/**
 * What the helpers' closure requires on Linux, unconditionally or below a CPython version, as the
 * current releases' METADATA says (keyring 25.7.0, keyrings.google-artifactregistry-auth 1.1.2,
 * google-auth 2.59.1, requests 2.34.2, virtualenv 21.14.1, SecretStorage 3.5.0, cryptography 50.0.2,
 * cffi 2.1.1, jaraco.context 6.1.2, jaraco.functools 4.6.0, jaraco.classes 3.4.0, importlib_metadata
 * 9.0.1, pyasn1-modules 0.4.2, python-discovery 1.6.1). With `--require-hashes` pip needs every one of
 * them pinned: a lock that pins a project but not what it requires fails at `download` on the public host.
 */
export const HELPER_REQUIREMENTS: Readonly<Record<string, ReadonlyArray<string | readonly [string, string]>>> = {
  keyring: ["secretstorage", "jeepney", "jaraco-classes", "jaraco-functools", "jaraco-context", ["importlib-metadata", "3.12"]],
  "keyrings-google-artifactregistry-auth": ["keyring", "google-auth", "requests", "pluggy"],
  "google-auth": ["pyasn1-modules", "cryptography"],
  requests: ["charset-normalizer", "idna", "urllib3", "certifi"],
  virtualenv: ["distlib", "filelock", "packaging", "platformdirs", "python-discovery", ["typing-extensions", "3.11"]],
  secretstorage: ["cryptography", "jeepney"],
  cryptography: ["cffi"],
  cffi: ["pycparser"],
  "jaraco-context": [["backports-tarfile", "3.12"]],
  "jaraco-functools": ["more-itertools"],
  "jaraco-classes": ["more-itertools"],
  "importlib-metadata": ["zipp"],
  "pyasn1-modules": ["pyasn1"],
  "python-discovery": ["filelock"],
};

/** [missing, requiredBy] for every known requirement of a pinned project the lock does not pin, for these CPythons (X.Y). */
export function lockGaps(pinned: ReadonlySet<string>, pythons: readonly string[]): Array<[string, string]> {
  const below = (bound: string) => pythons.length === 0 || pythons.some((p) => Number(p.split(".")[1]) < Number(bound.split(".")[1]));
  const gaps: Array<[string, string]> = [];
  for (const project of [...pinned].sort()) {
    for (const requirement of HELPER_REQUIREMENTS[normalizeName(project)] ?? []) {
      const [name, bound] = typeof requirement === "string" ? [requirement, undefined] : requirement;
      if ((bound === undefined || below(bound)) && !pinned.has(name) && !gaps.some(([n]) => n === name)) gaps.push([name, project]);
    }
  }
  return gaps;
}

/** Every project of the helpers' closure the table knows (the pinned names a complete lock has). */
export const KNOWN_CLOSURE: readonly string[] = [
  ...new Set([
    ...Object.keys(HELPER_REQUIREMENTS),
    ...Object.values(HELPER_REQUIREMENTS).flatMap((rs) => rs.map((r) => (typeof r === "string" ? r : r[0]))),
  ]),
].sort();
