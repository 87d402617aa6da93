/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "ts-jest" },
  // archiver as the app's bundle has it (build.js): loaded on first use. cdktf itself, loaded once per worker (runtime
  // below), loads the real one once per worker.
  moduleNameMapper: { "^archiver$": "<rootDir>/scripts/lazy-archiver.js" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // cdktf, constructs and the providers loaded once per worker, not once per suite: see the file.
  runtime: "<rootDir>/__tests__/shared-modules-runtime.js",
  // Jest's transform cache, kept with the project rather than in $TMPDIR (which each run replaces).
  cacheDirectory: "<rootDir>/node_modules/.cache/jest",
  globalSetup: "<rootDir>/__tests__/scratch-setup.js",
  globalTeardown: "<rootDir>/__tests__/scratch-teardown.js",
  testTimeout: 60000,
  // Jest defaults to cores - 1 workers: one on a 2-core machine. The suites spend much of their time in
  // child processes (bash, shellcheck, terraform), so one worker per core is faster.
  maxWorkers: "100%",
  // A worker whose heap has grown past this after a suite is replaced before its next one. A worker's exit
  // takes longer the bigger its heap (about 100 ms at 800 MB, 40 ms at 350 MB, several times that on a loaded
  // machine), and jest-worker force-exits a worker that takes over 500 ms ("A worker process has failed to
  // exit gracefully"). The runtime collects a worker's garbage before that check when the heap is past it, so a
  // worker is replaced for what it holds (rarely), not for garbage (about 2 CPU-seconds a run before).
  workerIdleMemoryLimit: "300MB",
};
