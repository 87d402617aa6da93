// Part of jest's globalSetup: the checkout's bundles (dist/main.js, the app's, and dist/review.js) built once
// before any suite runs, when a source is newer than them. Suites that run `node synth.js` in the checkout then
// find them fresh rather than each building them, at the same time, into the same files; and cloneProject's
// `builtBundles` copies them whole. A build that fails leaves them stale: esbuild has printed why, and the
// suites that run the commands fail on it themselves.
const { rmSync } = require("fs");
const path = require("path");
const { build, buildReview, isStale } = require("../build.js");

const DIST = path.join(__dirname, "..", "dist");

module.exports = async function buildStaleBundles() {
  const main = path.join(DIST, "main.js");
  const builds = [];
  if (isStale(main)) {
    rmSync(`${main}.v8cache`, { force: true }); // as synth.js does: the code cache of another bundle
    builds.push(build());
  }
  if (isStale(path.join(DIST, "review.js"))) builds.push(buildReview());
  await Promise.allSettled(builds);
};
