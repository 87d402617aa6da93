// The app command cdktf.json names: rebuild the bundle (dist/main.js, see build.js) only when a source
// is newer than it, then synthesize in this same process. No `npm run` hop, no esbuild load on the
// usual run where nothing changed, and V8's compiled code of the bundle reused from the last run.
const { readFileSync, renameSync, writeFileSync } = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");
const { APP_BUNDLE: BUNDLE, APP_CODE_CACHE: CODE_CACHE, ensureAppBundle } = require("./build.js");

/** Load the bundle as CommonJS through a vm.Script, so its compiled code can be cached (about 0.1 s a run). */
function loadBundle() {
  let cachedData;
  try {
    cachedData = readFileSync(CODE_CACHE);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, "utf8")), { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
  const saveCache = () => {
    if (cachedData && !script.cachedDataRejected) return;
    // After the run, so the functions V8 compiled lazily are in it too; renamed into place whole.
    const partial = `${CODE_CACHE}.${process.pid}`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, CODE_CACHE);
  };
  return { main: module.exports.main, saveCache };
}

async function synth() {
  await ensureAppBundle();
  const bundle = loadBundle();
  const code = bundle.main();
  bundle.saveCache();
  return code;
}

synth().then(
  (code) => (process.exitCode = code),
  (error) => {
    if (!Array.isArray(error?.errors)) console.error(error); // esbuild has printed its own errors
    process.exitCode = 1;
  },
);
