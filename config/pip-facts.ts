/**
 * What pip and keyring releases do, for pip-keyring.ts. Each fact names where it was read. The host agent's
 * pairing.py states the same facts (a test keeps them equal): the mirror applies them at its `policy` step to the
 * wheels it downloaded, where the versions are exact, including the pip the mirrored virtualenv seeds new venvs
 * with (read from the virtualenv wheel itself). The synth keeps no release table: it checks only what a spec or a
 * lock says outright.
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

/** A keyring requirement every fact admits. */
export const GOOD_KEYRING_SPEC = `keyring>=${KEYRING_CREDS_MODE},!=25.4.0`;
