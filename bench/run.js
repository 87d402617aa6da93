// npm run bench: synth speed and memory of the full example stack against a barrel-import app, and the
// unit-test suite's warm time. Prints a table and exits non-zero when a target is missed.
const { spawnSync } = require("child_process");
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require("fs");
const { tmpdir } = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS || 5);
const TARGETS = { speedup: 6, synthRssMb: 150, unitTestsSeconds: 20 };

/** Run a command once: wall time, and with `rss` the peak RSS of every node process it starts. */
function run(command, args, { env = {}, rss = true } = {}) {
  const rssFile = path.join(mkdtempSync(path.join(tmpdir(), "airlock-bench-")), "rss");
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
  const synth = (args) => run(process.execPath, args, { env: { CDKTF_OUTDIR: mkdtempSync(path.join(tmpdir(), "airlock-bench-out-")) } });
  apps.forEach((app) => synth(app.args)); // warm the file cache
  const samples = apps.map(() => []);
  for (let i = 0; i < RUNS; i++) apps.forEach((app, j) => samples[j].push(synth(app.args)));
  return apps.map((app, j) => {
    const result = { seconds: median(samples[j].map((s) => s.seconds)), peakMb: Math.max(...samples[j].map((s) => s.peakMb)) };
    console.log(`${app.label.padEnd(44)} ${result.seconds.toFixed(3).padStart(7)} s  ${result.peakMb.toFixed(1).padStart(7)} MB  (median of ${RUNS})`);
    return result;
  });
}

const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

console.log(`${"".padEnd(44)} ${"wall".padStart(9)}  ${"peak RSS".padStart(10)}`);
const [full, barrel] = measureApps([
  { label: "full example synth (deep imports, bundled)", args: ["dist/main.js"] },
  { label: "one-resource app, provider barrel import", args: ["bench/barrel-app.js"] },
]);
const speedup = barrel.seconds / full.seconds;
console.log(`speed-up: ${speedup.toFixed(1)}x faster, ${(barrel.peakMb / full.peakMb).toFixed(1)}x less memory`);

const jest = [path.join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--silent"];
run(process.execPath, jest, { rss: false }); // warm jest's transform cache
const tests = run(process.execPath, jest, { rss: false });
console.log(`${"unit tests (jest, warm)".padEnd(44)} ${tests.seconds.toFixed(3).padStart(7)} s`);

const checks = [
  [`full synth >= ${TARGETS.speedup}x faster than the barrel app`, speedup >= TARGETS.speedup],
  [`full synth peak RSS < ${TARGETS.synthRssMb} MB`, full.peakMb < TARGETS.synthRssMb],
  [`unit tests < ${TARGETS.unitTestsSeconds} s warm`, tests.seconds < TARGETS.unitTestsSeconds],
];
for (const [what, ok] of checks) console.log(`${ok ? "met   " : "MISSED"} ${what}`);
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
