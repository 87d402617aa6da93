// Jest globalTeardown: remove the run's scratch folder (see scratch-setup.js), unless
// AIRLOCK_KEEP_TEST_TMP is set, to look at what a failing test left behind.
const { rmSync } = require("fs");

module.exports = async function removeScratchRoot() {
  const scratch = globalThis.__airlockScratch;
  if (!scratch) return;
  if (scratch.tmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = scratch.tmpdir;
  if (process.env.AIRLOCK_KEEP_TEST_TMP) {
    process.stderr.write(`pip-airlock tests: kept their temporary files in ${scratch.root}\n`);
    return;
  }
  rmSync(scratch.root, { recursive: true, force: true });
};
