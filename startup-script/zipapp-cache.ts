import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { unzipSync } from "fflate";
import type { AgentSource } from "./agent-zipapp";

/**
 * Deflated zipapps kept between synths, in node_modules/.cache/pip-airlock/zipapps of the app's checkout:
 * deflating the agent at level 9 is the largest part of a synth's own work, and the agent seldom changes
 * between synths. A file's name is a key over the sources, the zip's fixed metadata and the deflater's
 * version, so it holds the bytes a fresh deflate of those sources makes; it is used only when its entries
 * are exactly the sources, in order, byte for byte.
 */
const KEEP_FILES = 32;

/** The cache's folder for the agent in `agentDir`: only in a checkout with node_modules beside agent/ (a packed library's agent/ has none). */
export function zipappCacheDir(agentDir: string): string | undefined {
  const modules = path.join(path.dirname(path.resolve(agentDir)), "node_modules");
  return existsSync(modules) ? path.join(modules, ".cache", "pip-airlock", "zipapps") : undefined;
}

let deflaterVersion: string | null | undefined;

/** fflate's version as installed, or null when it cannot be read (then nothing is cached). */
export function fflateVersion(): string | null {
  if (deflaterVersion !== undefined) return deflaterVersion;
  try {
    let dir = path.dirname(require.resolve("fflate"));
    while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
    const version: unknown = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).version;
    deflaterVersion = typeof version === "string" ? version : null;
  } catch {
    deflaterVersion = null;
  }
  return deflaterVersion;
}

/** The cached zip named `key`, when it holds exactly `sources` (sorted as the zip holds them); else undefined. */
export function readCachedZip(dir: string, key: string, sources: readonly AgentSource[]): Uint8Array | undefined {
  let bytes: Uint8Array;
  let entries: Record<string, Uint8Array>;
  try {
    bytes = new Uint8Array(readFileSync(path.join(dir, `${key}.zip`)));
    entries = unzipSync(bytes);
  } catch {
    return undefined; // missing, unreadable or not a zip: deflated afresh
  }
  const names = Object.keys(entries);
  if (names.length !== sources.length) return undefined;
  const same = sources.every((source, i) => names[i] === source.name && Buffer.from(entries[source.name]).equals(source.content));
  return same ? bytes : undefined;
}

/** Keeps `bytes` under `key` (written whole, then renamed into place); the oldest files beyond KEEP_FILES go. Best effort: a read-only checkout synthesizes without the cache. */
export function writeCachedZip(dir: string, key: string, bytes: Uint8Array): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${key}.zip`);
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, bytes, { mode: 0o600 });
    renameSync(partial, file);
    const zips = readdirSync(dir)
      .filter((f) => f.endsWith(".zip"))
      .map((f) => ({ file: path.join(dir, f), at: statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const old of zips.slice(KEEP_FILES)) rmSync(old.file, { force: true });
  } catch {
    // the synth goes on with the bytes it deflated
  }
}
