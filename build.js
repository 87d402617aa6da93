// Bundles main.ts into dist/main.js, which `cdktf synth` runs through synth.js (one file loads much
// faster than hundreds from node_modules), and review/cli.ts into dist/review.js, which review.js runs.
// `npm run build` forces both builds.
const { readdirSync, rmSync, statSync } = require("fs");
const path = require("path");

const SOURCE_DIRS = ["config", "constructs", "review", "startup-script", "synth"];
const SOURCE_FILES = ["main.ts", "build.js", "scripts/lazy-archiver.js", "package-lock.json"];
const APP_BUNDLE = path.join(__dirname, "dist", "main.js");
/** V8's code cache of the app's bundle (synth.js); V8 itself rejects it for another bundle or another Node version. */
const APP_CODE_CACHE = `${APP_BUNDLE}.v8cache`;
const REVIEW_BUNDLE = path.join(__dirname, "dist", "review.js");

/** Whether `outfile` is missing or older than a source it may be built from. */
function isStale(outfile) {
  let builtAt;
  try {
    builtAt = statSync(outfile).mtimeMs;
  } catch {
    return true;
  }
  const files = [
    ...SOURCE_FILES.map((f) => path.join(__dirname, f)),
    ...SOURCE_DIRS.flatMap((dir) =>
      readdirSync(path.join(__dirname, dir), { recursive: true })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(__dirname, dir, f)),
    ),
  ];
  return files.some((f) => statSync(f).mtimeMs > builtAt);
}

// archiver is loaded on first use only: scripts/lazy-archiver.js, which jest's suites load in its place too.
const lazyArchiver = {
  name: "lazy-archiver",
  setup(build) {
    build.onResolve({ filter: /^archiver$/ }, () => ({ path: path.join(__dirname, "scripts", "lazy-archiver.js") }));
    build.onResolve({ filter: /^cdktf$/ }, (args) => (args.kind === "require-resolve" ? { path: "cdktf", external: true } : undefined));
  },
};

// cdktf records the JavaScript stack of every token it creates (with Error.stackTraceLimit unbounded),
// only to show it in an error about a token it cannot resolve; pip-airlock synthesizes with stack traces
// off. That is about 40 ms of every synth: the bundle records none.
// The file is private to cdktf: the stand-in replaces it only while it exports exactly what the stand-in
// provides (cdktf 0.21's does); another version of it (cdktf's fork cdktn exports more) is bundled as is.
const noTokenStackTraces = {
  name: "no-token-stack-traces",
  setup(build) {
    build.onLoad({ filter: /[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/ }, async (args) => {
      const source = await require("fs").promises.readFile(args.path, "utf8");
      const exported = [...source.matchAll(/^exports\.([A-Za-z_$][\w$]*)\s*=/gm)].map((m) => m[1]);
      if (exported.length !== 1 || exported[0] !== "captureStackTrace") return undefined;
      return { contents: "exports.captureStackTrace = function captureStackTrace() { return []; };", loader: "js" };
    });
  },
};

/** Build the bundle; rejects on a build error (esbuild has printed it). */
function build() {
  return require("esbuild").build({
    absWorkingDir: __dirname,
    entryPoints: ["main.ts"],
    bundle: true,
    platform: "node",
    target: "node20",
    outfile: path.join("dist", "main.js"),
    logLevel: "warning",
    plugins: [lazyArchiver, noTokenStackTraces],
    // A third smaller bundle (names kept: no identifier is renamed) that reads and compiles about 50 ms faster.
    minifyWhitespace: true,
    minifySyntax: true,
    // jsonc-parser's "main" is a UMD build whose factory requires its parts at run time, which a bundle
    // cannot resolve; its ES module build bundles like any other.
    alias: { "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
  });
}

/** The access review's command as one file; its packages stay in node_modules (it starts no synth of its own). */
function buildReview() {
  return require("esbuild").build({
    absWorkingDir: __dirname,
    entryPoints: ["review/cli.ts"],
    bundle: true,
    platform: "node",
    target: "node20",
    packages: "external",
    outfile: path.join("dist", "review.js"),
    logLevel: "warning",
  });
}

/** Rebuild the app's bundle when a source is newer than it, dropping the code cache of the one before. */
async function ensureAppBundle() {
  if (!isStale(APP_BUNDLE)) return;
  rmSync(APP_CODE_CACHE, { force: true });
  await build();
}

/** Rebuild the review's bundle when a source is newer than it. */
async function ensureReviewBundle() {
  if (isStale(REVIEW_BUNDLE)) await buildReview();
}

module.exports = { APP_BUNDLE, APP_CODE_CACHE, REVIEW_BUNDLE, build, buildReview, ensureAppBundle, ensureReviewBundle, isStale };

if (require.main === module) Promise.all([build(), buildReview()]).catch(() => (process.exitCode = 1));
