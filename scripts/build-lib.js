// npm run build:lib (and so `npm pack`'s prepack): index.ts and what it imports, compiled into lib/ with their
// types. Incremental: tsc keeps lib/.tsbuildinfo (never packed) and compiles again only what changed, about
// 1 s instead of 4. Incremental tsc neither notices an output someone deleted nor removes the output of a
// source that is gone, so around it: a lib/ missing an output it should have is built from nothing, and after
// the build every file the program no longer emits is removed. lib/ is always what a clean build makes. When
// nothing tsc read has changed since the last build began, tsc is not started at all (it would still parse
// every file it reads, about 2 CPU-seconds).
const { existsSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync, utimesSync } = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.join(__dirname, "..");
const LIB = path.join(ROOT, "lib");
const BUILD_INFO = ".tsbuildinfo";
/** What decides the build besides the files tsc reads: its configuration and the installed packages. */
const BUILD_CONFIG = ["tsconfig.json", "tsconfig.lib.json", "package-lock.json"].map((f) => path.join(ROOT, f));

/** The files the build lib/.tsbuildinfo records read (sources, declarations, TypeScript's libs), as tsc names them; undefined when unreadable. */
function recordedInputs(lib) {
  try {
    const fileNames = JSON.parse(readFileSync(path.join(lib, BUILD_INFO), "utf8")).fileNames;
    return Array.isArray(fileNames) ? fileNames : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The files a build of the program lib/.tsbuildinfo records emits, relative to lib/ (a source's .js and
 * .d.ts, a JSON module's copy), or undefined when there is no build info or it cannot be read.
 */
function expectedOutputs(lib) {
  const fileNames = recordedInputs(lib);
  if (!fileNames) return undefined;
  const outputs = new Set([BUILD_INFO]);
  for (const name of fileNames) {
    // Relative to lib/; the project's own sources are one level up (rootDir is the project).
    const source = path.relative(path.dirname(lib), path.resolve(lib, name));
    if (source.startsWith("..") || source.split(path.sep).includes("node_modules") || source.endsWith(".d.ts")) continue;
    if (source.endsWith(".ts")) {
      const stem = source.slice(0, -".ts".length);
      outputs.add(`${stem}.js`).add(`${stem}.d.ts`);
    } else if (source.endsWith(".json")) {
      outputs.add(source);
    }
  }
  return outputs;
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)));
}

/** Whether lib/ lacks a file its build info says the build emitted (so incremental tsc would not write it again). */
function missesAnOutput(lib) {
  const expected = expectedOutputs(lib);
  if (!expected) return existsSync(lib);
  const present = new Set(filesUnder(lib));
  return [...expected].some((f) => !present.has(f));
}

/**
 * Whether lib/ is what a build would make now: every output present, and its build info (dated when that
 * build began) newer than every file the build read and than `config`. A file gone counts as changed.
 */
function isUpToDate(lib, config = BUILD_CONFIG) {
  const inputs = recordedInputs(lib);
  if (!inputs || missesAnOutput(lib)) return false;
  const builtAt = statSync(path.join(lib, BUILD_INFO)).mtimeMs;
  return [...inputs.map((name) => path.resolve(lib, name)), ...config].every((file) => {
    try {
      return statSync(file).mtimeMs < builtAt;
    } catch {
      return false;
    }
  });
}

/** Remove what lib/ holds beyond the program's outputs (the output of a deleted or renamed source); the removed files. */
function pruneStale(lib) {
  const expected = expectedOutputs(lib);
  if (!expected) return [];
  const stale = filesUnder(lib).filter((f) => !expected.has(f));
  for (const f of stale) rmSync(path.join(lib, f));
  const dirs = readdirSync(lib, { recursive: true, withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort((a, b) => b.length - a.length); // deepest first
  for (const dir of dirs) if (readdirSync(dir).length === 0) rmdirSync(dir);
  return stale;
}

function buildLib() {
  if (isUpToDate(LIB)) return 0;
  if (missesAnOutput(LIB)) rmSync(LIB, { recursive: true, force: true });
  const began = new Date();
  const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.lib.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (tsc.status !== 0) return tsc.status ?? 1;
  pruneStale(LIB);
  // Dated when the build began: a source saved while tsc ran is newer, and the next build compiles it.
  utimesSync(path.join(LIB, BUILD_INFO), began, began);
  return 0;
}

module.exports = { expectedOutputs, isUpToDate, missesAnOutput, pruneStale };

if (require.main === module) process.exitCode = buildLib();
