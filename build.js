// Bundles main.ts into dist/main.js, which `cdktf synth` runs through synth.js (one file loads much
// faster than hundreds from node_modules). `npm run build` forces a build.
const path = require("path");

// cdktf requires `archiver` when it loads, only to zip TerraformAsset folders, which pip-airlock never
// creates; loading it costs about 100 ms of every synth. The bundle gets a stand-in that loads the real
// archiver (from cdktf's own dependencies) on first use.
const lazyArchiver = {
  name: "lazy-archiver",
  setup(build) {
    build.onResolve({ filter: /^archiver$/ }, () => ({ path: "archiver", namespace: "lazy-archiver" }));
    build.onResolve({ filter: /^cdktf$/ }, (args) => (args.kind === "require-resolve" ? { path: "cdktf", external: true } : undefined));
    build.onLoad({ filter: /.*/, namespace: "lazy-archiver" }, () => ({
      contents: `module.exports = function archiver(...args) {
  const real = require(require.resolve("archiver", { paths: [require.resolve("cdktf")] }));
  return real(...args);
};`,
      loader: "js",
    }));
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
    // jsonc-parser's "main" is a UMD build whose factory requires its parts at run time, which a bundle
    // cannot resolve; its ES module build bundles like any other.
    alias: { "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
  });
}

module.exports = { build };

if (require.main === module) build().catch(() => (process.exitCode = 1));
