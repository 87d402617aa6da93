// npm run bench: synth speed and memory of the full example stack against a barrel-import app, and the
// unit-test suite's warm time. Prints a table and exits non-zero when a target is missed.
const { spawnSync } = require("child_process");
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require("fs");
const { tmpdir } = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS || 5);
const TARGETS = { speedup: 6, synthRssMb: 150, unitTestsSeconds: 20 };

function run(command, args, env = {}) {
  const rssFile = path.join(mkdtempSync(path.join(tmpdir(), "airlock-bench-")), "rss");
  writeFileSync(rssFile, "");
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${path.join(__dirname, "report-rss.js")}` },
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  const rssKb = readFileSync(rssFile, "utf8").trim().split("\n").filter(Boolean).map(Number);
  rmSync(path.dirname(rssFile), { recursive: true, force: true });
  return { seconds, peakMb: Math.max(...rssKb) / 1024 };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label, command, args) {
  run(command, args, { CDKTF_OUTDIR: mkdtempSync(path.join(tmpdir(), "airlock-bench-out-")) }); // warm the file cache
  const samples = Array.from({ length: RUNS }, () => run(command, args, { CDKTF_OUTDIR: mkdtempSync(path.join(tmpdir(), "airlock-bench-out-")) }));
  const result = { label, seconds: median(samples.map((s) => s.seconds)), peakMb: Math.max(...samples.map((s) => s.peakMb)) };
  console.log(`${label.padEnd(44)} ${result.seconds.toFixed(3).padStart(7)} s  ${result.peakMb.toFixed(1).padStart(7)} MB  (median of ${RUNS})`);
  return result;
}

const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

console.log(`${"".padEnd(44)} ${"wall".padStart(9)}  ${"peak RSS".padStart(10)}`);
const full = measure("full example synth (deep imports, bundled)", process.execPath, ["dist/main.js"]);
const barrel = measure("one-resource app, provider barrel import", process.execPath, ["bench/barrel-app.js"]);
const speedup = barrel.seconds / full.seconds;
console.log(`speed-up: ${speedup.toFixed(1)}x faster, ${(barrel.peakMb / full.peakMb).toFixed(1)}x less memory`);

const jest = [path.join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--silent"];
run(process.execPath, jest); // warm jest's transform cache
const tests = run(process.execPath, jest);
console.log(`${"unit tests (jest, warm)".padEnd(44)} ${tests.seconds.toFixed(3).padStart(7)} s`);

const checks = [
  [`full synth >= ${TARGETS.speedup}x faster than the barrel app`, speedup >= TARGETS.speedup],
  [`full synth peak RSS < ${TARGETS.synthRssMb} MB`, full.peakMb < TARGETS.synthRssMb],
  [`unit tests < ${TARGETS.unitTestsSeconds} s warm`, tests.seconds < TARGETS.unitTestsSeconds],
];
for (const [what, ok] of checks) console.log(`${ok ? "met   " : "MISSED"} ${what}`);
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
