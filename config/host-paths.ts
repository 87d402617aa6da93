import { z } from "zod";
import { withSlashes } from "./path-hints";

/**
 * Paths a config value may name on a host. The bootstrap creates, clears (`python3 -m venv --clear`
 * after a distribution upgrade) and rebuilds the keyring venv, and links into it from PATH: a value
 * that named /usr, /etc, a home, a package manager's state or /tmp would have a boot wipe or corrupt it.
 * So such a directory must be pip-airlock's own: below one of these roots, at least one level down,
 * never the product's own state (the guest-attribute record, the mirror's work directory).
 * The host agent checks the same rules again on the host (agent/pip_airlock_agent/hostpaths.py).
 */
export const OWNED_ROOTS = ["/opt/pip-airlock", "/var/lib/pip-airlock"] as const;
/** What the host agent keeps under the roots itself (its guest-attribute record, the mirror's work directory). */
export const PRODUCT_STATE_PATHS = ["/var/lib/pip-airlock/guest-attribute-writes", "/var/lib/pip-airlock/mirror-work"] as const;

/** `.` and `..` segments resolved, repeated and trailing slashes dropped; undefined if it leaves `/`. */
export function normalizeAbsolutePath(value: string): string | undefined {
  const parts: string[] = [];
  for (const segment of value.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(segment);
  }
  return `/${parts.join("/")}`;
}

/** Why `path` (normalized, absolute) may not be a directory the scripts own, or undefined. */
export function ownedDirectoryProblem(path: string): string | undefined {
  const root = OWNED_ROOTS.find((r) => path.startsWith(`${r}/`));
  if (!root)
    return `must be a directory of pip-airlock's own, below ${OWNED_ROOTS.map((r) => `${r}/`).join(" or ")} (e.g. "/opt/pip-airlock/keyring"): the bootstrap creates, clears and rebuilds it`;
  const clash = PRODUCT_STATE_PATHS.find((p) => p === path || p.startsWith(`${path}/`) || path.startsWith(`${p}/`));
  if (clash) return `must not be or hold ${clash}, which the scripts keep for themselves: use e.g. "/opt/pip-airlock/keyring"`;
  return undefined;
}

const SEGMENTS = /^\/[A-Za-z0-9._/-]+$/;

/** A directory the scripts create, clear and rebuild: normalized, then only one of pip-airlock's own. */
export const ownedDirectory = withSlashes(z.string())
  .regex(SEGMENTS, "must be an absolute path of letters, digits, '.', '_', '-' and '/'")
  .transform((value, ctx) => {
    const path = normalizeAbsolutePath(value);
    const problem = path === undefined ? "must not climb above / ('..')" : ownedDirectoryProblem(path);
    if (problem) {
      ctx.addIssue({ code: "custom", message: path && path !== value ? `is "${path}" once normalized, and ${problem}` : problem });
      return z.NEVER;
    }
    return path!;
  });
