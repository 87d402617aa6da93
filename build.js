// npm run build: bundles main.ts into dist/main.js, which `cdktf synth` runs (one file loads much faster
// than hundreds from node_modules).
const esbuild = require("esbuild");

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

esbuild
  .build({
    entryPoints: ["main.ts"],
    bundle: true,
    platform: "node",
    target: "node20",
    outfile: "dist/main.js",
    logLevel: "warning",
    plugins: [lazyArchiver],
    // jsonc-parser's "main" is a UMD build whose factory requires its parts at run time, which a bundle
    // cannot resolve; its ES module build bundles like any other.
    alias: { "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
  })
  .catch(() => process.exit(1));
