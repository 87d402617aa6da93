// Jest globalSetup: every temporary file of a test run (the suites' mkdtemp folders, cdktf's
// Testing.app outdirs, what terraform, bash and the cdktf CLI write to $TMPDIR) goes under one folder,
// which scratch-teardown.js removes. Workers start after this runs, so they inherit TMPDIR. It also builds the
// app's and the review's bundles when they are stale (fresh-bundles.js).
const { mkdtempSync } = require("fs");
const { tmpdir } = require("os");
const path = require("path");
const buildStaleBundles = require("./fresh-bundles");

module.exports = async function createScratchRoot() {
  const root = mkdtempSync(path.join(tmpdir(), "pip-airlock-tests-"));
  globalThis.__airlockScratch = { root, tmpdir: process.env.TMPDIR };
  process.env.TMPDIR = root;
  await buildStaleBundles();
};
