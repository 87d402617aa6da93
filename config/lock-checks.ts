import { satisfies } from "@renovatebot/pep440/lib/specifier";
import { linesWithControlCharacters } from "./control-characters";
import { lockGaps } from "./helper-requirements";
import { minorVersion } from "./images";
import { lockPins, parseRequirement, VENV_TOOL } from "./requirements";
import { EnvironmentConfig } from "./schema";

/** Where a config's `mirror.lockFile` is read from. */
export interface LockFiles {
  /** The lock's content; throws when it cannot be read. */
  read(lockFile: string): string;
  /** Where that is, as a problem says it ("next to the config file"). */
  readonly where: string;
}

type Mirror = EnvironmentConfig["mirror"];

/** A lock as its checks see it: its text and what it pins (normalized name → version). */
interface Lock {
  readonly content: string;
  readonly pins: ReadonlyMap<string, string>;
}

/** What is wrong with the lock, said after its file name ("has no ..."), or undefined when the check passes. */
type LockCheck = (lock: Lock, mirror: Mirror) => string | undefined;

export function noControlCharacters(lock: Lock): string | undefined {
  const controlLines = linesWithControlCharacters(lock.content);
  if (controlLines.length === 0) return undefined;
  const found = controlLines.map((l) => `${l.description} at line ${l.line}, column ${l.column}`).join("; ");
  return (
    `has ${found}: a lock is lines of printable text, and pip breaks a line at U+2028, U+0085 and other controls ` +
    "(Python's str.splitlines), so what follows one would be a line of its own, such as an option --index-url. Remove them, or make the lock again with recipes/make-lock.sh"
  );
}

export function pinsHashes(lock: Lock): string | undefined {
  if (/--hash=sha256:[0-9a-f]{64}/.test(lock.content)) return undefined;
  return "has no --hash=sha256: pins: make it with recipes/make-lock.sh (docs/configuration.md, Locks), which pins every file with its hash";
}

// With --require-hashes the mirror downloads only what the lock pins: pip and every configured package.
export function pinsPip(lock: Lock): string | undefined {
  if (lock.pins.has("pip")) return undefined;
  return "does not pin pip, which bare private hosts bootstrap with: make it with recipes/make-lock.sh (docs/configuration.md, Locks), which pins pip too";
}

// The bootstrap keeps the venv's pip only if it satisfies mirror.bootstrapPip: a lock pinning another never could
// (one below 23.1 gets the sharper message of pipKeyringProblems).
export function pipSatisfiesBootstrapPip(lock: Lock, mirror: Mirror): string | undefined {
  const pip = lock.pins.get("pip")!;
  const bootstrapSpec = parseRequirement(mirror.bootstrapPip).specifier;
  if (!bootstrapSpec || !satisfies(pip, ">=23.1") || satisfies(pip, bootstrapSpec)) return undefined;
  return `pins pip==${pip}, which mirror.bootstrapPip "${mirror.bootstrapPip}" excludes: the private hosts would refuse the only pip the mirror uploads. Pin a pip that satisfies it, or change mirror.bootstrapPip`;
}

export function pinsMirrorPackages(lock: Lock, mirror: Mirror): string | undefined {
  const unpinned = mirror.packages.map((r) => parseRequirement(r).name).filter((name) => !lock.pins.has(name));
  if (unpinned.length === 0) return undefined;
  return `does not pin ${unpinned.join(", ")} of mirror.packages: make it with recipes/make-lock.sh (docs/configuration.md, Locks) from the synthesized stack, which carries mirror.packages`;
}

// The mirror also uploads virtualenv, which bare private hosts create their users' venvs with.
export function pinsVenvTool(lock: Lock): string | undefined {
  if (lock.pins.has(VENV_TOOL)) return undefined;
  return `does not pin ${VENV_TOOL}, which bare private hosts create venvs with: compile the lock from mirror.packages plus ${VENV_TOOL} (its dependencies come with it)`;
}

export function pinsEveryDependency(lock: Lock, mirror: Mirror): string | undefined {
  const gaps = lockGaps(
    new Set(lock.pins.keys()),
    mirror.targets.map((t) => minorVersion(t.python)),
  );
  if (gaps.length === 0) return undefined;
  const byProject = [...new Set(gaps.map(([, by]) => by))].map(
    (by) =>
      `${by} without ${gaps
        .filter(([, b]) => b === by)
        .map(([dep]) => dep)
        .join(", ")}`,
  );
  return (
    `pins ${byProject.join("; ")}: --require-hashes needs every dependency pinned, so the mirror would fail at download. ` +
    "Make the lock for every target with recipes/make-lock.sh"
  );
}

/** In order: each check may rely on the ones before it (pipSatisfiesBootstrapPip on pinsPip), and only the first failure is said. */
const LOCK_CHECKS: readonly LockCheck[] = [
  noControlCharacters,
  pinsHashes,
  pinsPip,
  pipSatisfiesBootstrapPip,
  pinsMirrorPackages,
  pinsVenvTool,
  pinsEveryDependency,
];

/**
 * `mirror.lockFile`'s content ("" when none is set), or the problem with it: it cannot be read, or the first
 * check it fails. A problem is one line, from `mirror.lockFile:` on.
 */
export function readLockFile(mirror: Mirror, lockFiles: LockFiles): { content: string } | { problem: string } {
  const lockFile = mirror.lockFile;
  if (!lockFile) return { content: "" };
  let content: string;
  try {
    content = lockFiles.read(lockFile);
  } catch {
    return {
      problem: `mirror.lockFile: cannot read "${lockFile}" ${lockFiles.where}: make it with recipes/make-lock.sh (docs/configuration.md, Locks), or remove the key`,
    };
  }
  const lock: Lock = { content, pins: lockPins(content) };
  for (const check of LOCK_CHECKS) {
    const finding = check(lock, mirror);
    if (finding) return { problem: `mirror.lockFile: "${lockFile}" ${finding}` };
  }
  return { content };
}
