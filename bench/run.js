// npm run bench: synth speed and memory of the full example stack against a barrel-import app, and the
// unit-test suite's warm time. Prints a table and exits non-zero when a target is missed.
const { spawnSync } = require("child_process");
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require("fs");
const { tmpdir } = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS || 5);
// The unit tests run Terraform and the real cdktf CLI (two synths of a team config), hence 40 s.
const TARGETS = { speedup: 6, synthRssMb: 150, unitTestsSeconds: 40 };
// Every outdir and RSS file of this run, removed when it ends.
const SCRATCH = mkdtempSync(path.join(tmpdir(), "airlock-bench-"));
process.on("exit", () => rmSync(SCRATCH, { recursive: true, force: true }));

/** Run a command once: wall time, and with `rss` the peak RSS of every node process it starts. */
function run(command, args, { env = {}, rss = true } = {}) {
  const rssFile = path.join(mkdtempSync(path.join(SCRATCH, "rss-")), "rss");
  writeFileSync(rssFile, "");
  const measured = rss ? { BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${path.join(__dirname, "report-rss.js")}` } : {};
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: ROOT, env: { ...process.env, ...env, ...measured }, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  const rssKb = readFileSync(rssFile, "utf8").trim().split("\n").filter(Boolean).map(Number);
  rmSync(path.dirname(rssFile), { recursive: true, force: true });
  return { seconds, peakMb: rss ? Math.max(...rssKb) / 1024 : NaN };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Run the apps alternately, so a slower or faster stretch of the machine weighs on each alike. */
function measureApps(apps) {
  const synth = (shellCommand) => run("sh", ["-c", shellCommand], { env: { CDKTF_OUTDIR: mkdtempSync(path.join(SCRATCH, "out-")) } });
  apps.forEach((app) => synth(app.command)); // warm the file cache (and build the bundle once)
  const samples = apps.map(() => []);
  for (let i = 0; i < RUNS; i++) apps.forEach((app, j) => samples[j].push(synth(app.command)));
  return apps.map((app, j) => {
    const result = { seconds: median(samples[j].map((s) => s.seconds)), peakMb: Math.max(...samples[j].map((s) => s.peakMb)) };
    console.log(`${app.label.padEnd(44)} ${result.seconds.toFixed(3).padStart(7)} s  ${result.peakMb.toFixed(1).padStart(7)} MB  (median of ${RUNS})`);
    return result;
  });
}

// Exactly the command `cdktf synth` runs: a user's synth is this, not `node dist/main.js` alone.
const appCommand = JSON.parse(readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app;

console.log(`${"".padEnd(44)} ${"wall".padStart(9)}  ${"peak RSS".padStart(10)}`);
const [full, barrel] = measureApps([
  { label: `app command: ${appCommand}`, command: appCommand },
  { label: "one-resource app, provider barrel import", command: `${JSON.stringify(process.execPath)} bench/barrel-app.js` },
]);
const speedup = barrel.seconds / full.seconds;
console.log(`speed-up: ${speedup.toFixed(1)}x faster, ${(barrel.peakMb / full.peakMb).toFixed(1)}x less memory`);

const jest = [path.join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--silent"];
run(process.execPath, jest, { rss: false }); // warm jest's transform cache
const tests = run(process.execPath, jest, { rss: false });
console.log(`${"unit tests (jest, warm)".padEnd(44)} ${tests.seconds.toFixed(3).padStart(7)} s`);

// What a user waits for as a whole (reported, no target): the cdktf CLI around the app, and the tests.
const cliOut = path.join(SCRATCH, "cli", "cdktf.out");
const cli = run("npx", ["--no-install", "cdktf", "synth", "--output", cliOut], { rss: false, env: { CHECKPOINT_DISABLE: "1", CI: "1" } });
console.log(`${"npx cdktf synth (whole CLI)".padEnd(44)} ${cli.seconds.toFixed(3).padStart(7)} s`);
const npmTest = run("npm", ["test", "--silent"], { rss: false });
console.log(`${"npm test (type-check + all unit tests)".padEnd(44)} ${npmTest.seconds.toFixed(3).padStart(7)} s`);

const checks = [
  [`the app command >= ${TARGETS.speedup}x faster than the barrel app`, speedup >= TARGETS.speedup],
  [`the app command's peak RSS < ${TARGETS.synthRssMb} MB`, full.peakMb < TARGETS.synthRssMb],
  [`unit tests < ${TARGETS.unitTestsSeconds} s warm`, tests.seconds < TARGETS.unitTestsSeconds],
];
for (const [what, ok] of checks) console.log(`${ok ? "met   " : "MISSED"} ${what}`);
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
