/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "ts-jest" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // Jest's transform cache, kept with the project rather than in $TMPDIR (which each run replaces).
  cacheDirectory: "<rootDir>/node_modules/.cache/jest",
  globalSetup: "<rootDir>/__tests__/scratch-setup.js",
  globalTeardown: "<rootDir>/__tests__/scratch-teardown.js",
  testTimeout: 60000,
  // Jest defaults to cores - 1 workers: one on a 2-core machine. The suites spend much of their time in
  // child processes (bash, shellcheck, terraform), so one worker per core is faster.
  maxWorkers: "100%",
};
