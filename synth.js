// The app command cdktf.json names: rebuild the bundle (dist/main.js, see build.js) only when a source
// is newer than it, then synthesize in this same process. No `npm run` hop and no esbuild load on the
// usual run, where nothing changed since the last synth.
const { existsSync, readdirSync, statSync } = require("fs");
const path = require("path");

const BUNDLE = path.join(__dirname, "dist", "main.js");
const SOURCE_DIRS = ["config", "constructs", "assets"];
const SOURCE_FILES = ["main.ts", "build.js", "package-lock.json"];

function newestSourceMtime() {
  const files = [
    ...SOURCE_FILES.map((f) => path.join(__dirname, f)),
    ...SOURCE_DIRS.flatMap((dir) => readdirSync(path.join(__dirname, dir)).filter((f) => f.endsWith(".ts")).map((f) => path.join(__dirname, dir, f))),
  ];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

async function synth() {
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newestSourceMtime()) await require("./build.js").build();
  return require(BUNDLE).main();
}

synth().then(
  (code) => (process.exitCode = code),
  (error) => {
    if (!Array.isArray(error?.errors)) console.error(error); // esbuild has printed its own errors
    process.exitCode = 1;
  },
);
