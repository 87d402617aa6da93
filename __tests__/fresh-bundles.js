// Part of jest's globalSetup: the checkout's bundles (dist/main.js, the app's, and dist/review.js) built once
// before any suite runs, when a source is newer than them. Suites that run `node synth.js` in the checkout then
// find them fresh rather than each building them, at the same time, into the same files; and cloneProject's
// `builtBundles` copies them whole. A build that fails leaves them stale: esbuild has printed why, and the
// suites that run the commands fail on it themselves.
const { ensureAppBundle, ensureReviewBundle } = require("../build.js");

module.exports = async function buildStaleBundles() {
  await Promise.allSettled([ensureAppBundle(), ensureReviewBundle()]);
};
