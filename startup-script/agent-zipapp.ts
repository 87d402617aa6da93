import { createHash } from "crypto";
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { zipSync, Zippable } from "fflate";
import { ConfigError } from "../config/load";
import { fflateVersion, readCachedZip, writeCachedZip, zipappCacheDir } from "./zipapp-cache";

/** The package the host agent's zipapp carries (agent/pip_airlock_agent/), beside its entry point agent/__main__.py. */
export const AGENT_PACKAGE = "pip_airlock_agent";

/**
 * Every entry's modification time: 1980-01-01 00:00, the earliest a zip can hold. fflate writes the DOS
 * date and time from a Date's local-time fields, so the Date is made from local-time fields too: the
 * same bytes in every time zone.
 */
const ENTRY_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Every entry's attributes: made on Unix, a regular file with mode 0644, whatever the source's mode. */
const ENTRY_OS_UNIX = 3;
const ENTRY_ATTRS = (0o100644 << 16) >>> 0;
/** Deflate, at fflate's highest level (the zipapp travels base64-encoded in a 256 KB metadata value). */
const DEFLATE_LEVEL = 9;

/** A source file of the agent, by its name in the zip (`__main__.py`, `pip_airlock_agent/cli.py`). */
export interface AgentSource {
  readonly name: string;
  readonly content: Uint8Array;
}

/** The host agent as one zipapp: `python3 -I agent.pyz COMMAND ...` runs it. */
export interface AgentZipapp {
  readonly bytes: Uint8Array;
  /** Hex sha256 of `bytes`. */
  readonly sha256: string;
  /** The names of its entries, in the order the zip holds them. */
  readonly entries: readonly string[];
}

/**
 * The agent's sources under `agentDir`: `__main__.py` and every `pip_airlock_agent/*.py` (its tests and
 * anything else are not carried), sorted by name, as bytes.
 */
export function readAgentSources(agentDir: string): AgentSource[] {
  const read = (name: string): AgentSource => ({ name, content: readFileSync(path.join(agentDir, ...name.split("/"))) });
  const modules = readdirSync(path.join(agentDir, AGENT_PACKAGE), { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".py"))
    .map((entry) => `${AGENT_PACKAGE}/${entry.name}`);
  return ["__main__.py", ...modules].sort(byCodePoint).map(read);
}

/**
 * The zipapp of these sources, the same bytes for the same sources: entries in sorted order, each
 * deflated with a fixed time stamp and fixed attributes, no directory entries, no comment. With
 * `cacheDir`, a zip deflated by an earlier synth from the same sources is read from there (zipapp-cache.ts).
 */
export function buildAgentZipapp(sources: readonly AgentSource[], cacheDir?: string): AgentZipapp {
  const key = sourcesKey(sources);
  const built = zipapps.get(key) ?? zipappOf(sources, cacheDir);
  zipapps.set(key, built);
  return built;
}

/**
 * Zipapps made in this process, by their sources: deflating at level 9 is most of a synth's own work, and a
 * process that builds several stacks (environments, tests) carries the same agent in each.
 */
const zipapps = new Map<string, AgentZipapp>();

function sourcesKey(sources: readonly AgentSource[]): string {
  const hash = createHash("sha256");
  for (const source of sources)
    hash.update(`${Buffer.byteLength(source.name)}:${source.name}:${source.content.byteLength}:`).update(source.content);
  return hash.digest("hex");
}

/** What fixes a zip's bytes besides its sources: its level and every entry's metadata (the time by its local-time fields, as fflate writes it). */
const ZIP_FORMAT = JSON.stringify({
  level: DEFLATE_LEVEL,
  mtime: [ENTRY_MTIME.getFullYear(), ENTRY_MTIME.getMonth(), ENTRY_MTIME.getDate(), ENTRY_MTIME.getHours(), ENTRY_MTIME.getMinutes()],
  os: ENTRY_OS_UNIX,
  attrs: ENTRY_ATTRS,
});

function zipappOf(sources: readonly AgentSource[], cacheDir: string | undefined): AgentZipapp {
  const sorted = checkedSources(sources);
  const version = fflateVersion();
  const key =
    cacheDir &&
    version &&
    createHash("sha256")
      .update(`fflate ${version} ${ZIP_FORMAT} ${sourcesKey(sorted)}`)
      .digest("hex");
  let bytes = key ? readCachedZip(cacheDir, key, sorted) : undefined;
  if (!bytes) {
    bytes = deflate(sorted);
    if (key) writeCachedZip(cacheDir, key, bytes);
  }
  return Object.freeze({
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    entries: Object.freeze(sorted.map((s) => s.name)),
  });
}

/** The sources sorted as the zip holds them, after checking their names. */
function checkedSources(sources: readonly AgentSource[]): AgentSource[] {
  const names = sources.map((s) => s.name);
  const bad = names.filter((name) => !/^([A-Za-z0-9_]+\/)?[A-Za-z0-9_]+\.py$/.test(name));
  if (bad.length > 0) throw new Error(`the agent's zipapp takes Python files by plain names only: ${bad.join(", ")}`);
  if (new Set(names).size !== names.length) throw new Error(`the agent's zipapp names a file twice: ${names.join(", ")}`);
  if (!names.includes("__main__.py")) throw new Error("the agent's zipapp needs __main__.py");
  return [...sources].sort((a, b) => byCodePoint(a.name, b.name));
}

function deflate(sorted: readonly AgentSource[]): Uint8Array {
  // fflate writes the entries in the object's key order: its keys are inserted sorted, and none is an
  // integer-like key (which JavaScript would put first).
  const files: Zippable = {};
  for (const source of sorted) {
    files[source.name] = [source.content, { level: DEFLATE_LEVEL, mtime: ENTRY_MTIME, os: ENTRY_OS_UNIX, attrs: ENTRY_ATTRS }];
  }
  return zipSync(files, { level: DEFLATE_LEVEL, mtime: ENTRY_MTIME, os: ENTRY_OS_UNIX, attrs: ENTRY_ATTRS });
}

/**
 * The modules each script's command runs (beside `cli.py`, which dispatches): a script's zipapp carries
 * these, cli.py and every module they import, and nothing else (the bootstrap needs no mirror policy, the
 * mirror no probe; the scripts travel in a 256 KB metadata value). cli.py loads each command's module
 * lazily: its imports of these entry modules are not followed.
 */
export const COMMAND_MODULES: Record<"bootstrap" | "mirror", readonly string[]> = {
  bootstrap: ["bootstrap", "pip_retry"],
  mirror: ["mirror", "mirror_shims"],
};
const ENTRY_MODULES = new Set(["bootstrap", "mirror", "mirror_shims", "pip_retry", "sbom_fetch"]);

/** The package modules a module's source imports (`from .x import`, `from . import x, y`), inside functions too. */
export function relativeImports(source: string): string[] {
  const found = new Set<string>();
  for (const match of source.matchAll(/^[ \t]*from \.([A-Za-z0-9_]+) import /gm)) found.add(match[1]);
  for (const match of source.matchAll(/^[ \t]*from \. import \(?([A-Za-z0-9_, \t]+(?:as [A-Za-z0-9_]+)?[A-Za-z0-9_, \t]*)\)?$/gm)) {
    for (const part of match[1].split(",")) {
      const name = part.trim().split(/\s+/)[0];
      if (name) found.add(name);
    }
  }
  return [...found].sort(byCodePoint);
}

/** The sources one command's zipapp carries: __main__.py, the package's __init__ and cli, the command's modules and their imports. */
export function commandSources(sources: readonly AgentSource[], command: keyof typeof COMMAND_MODULES): AgentSource[] {
  const byModule = new Map<string, AgentSource>();
  for (const source of sources) {
    const m = /^pip_airlock_agent\/([A-Za-z0-9_]+)\.py$/.exec(source.name);
    if (m) byModule.set(m[1], source);
  }
  const keep = new Set<string>(["__init__"]);
  const queue = ["cli", ...COMMAND_MODULES[command]];
  while (queue.length > 0) {
    const module = queue.shift()!;
    if (keep.has(module) && module !== "__init__") continue;
    const source = byModule.get(module);
    if (!source) throw new Error(`the agent's ${command} needs ${AGENT_PACKAGE}/${module}.py, which is missing`);
    keep.add(module);
    for (const imported of relativeImports(Buffer.from(source.content).toString("utf8"))) {
      if (module === "cli" && ENTRY_MODULES.has(imported)) continue;
      if (!keep.has(imported)) queue.push(imported);
    }
  }
  return sources.filter((s) => s.name === "__main__.py" || keep.has(s.name.replace(/^pip_airlock_agent\/|\.py$/g, "")));
}

/** The zipapp of the agent under `agentDir` (the app's agent/ folder, read at synth like assets/). */
export function loadAgentZipapp(agentDir: string, command?: keyof typeof COMMAND_MODULES): AgentZipapp {
  let sources: AgentSource[];
  try {
    sources = readAgentSources(agentDir);
  } catch {
    throw new ConfigError(agentDir, [
      `cannot read the host agent (__main__.py and ${AGENT_PACKAGE}/*.py): restore it from git (agent/ ships with the app)`,
    ]);
  }
  return buildAgentZipapp(command ? commandSources(sources, command) : sources, zipappCacheDir(agentDir));
}

/** Base64 of `bytes` in lines of 76 characters (MIME's width), as `base64 -d` reads it back. */
export function base64Lines(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString("base64")
    .replace(/.{1,76}/g, "$&\n")
    .trimEnd();
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
