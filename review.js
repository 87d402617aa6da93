// npm run review: runs review/cli.ts from its bundle (dist/review.js, see build.js), rebuilt only when a
// source is newer than it; compiling the TypeScript on each run (ts-node) cost about 2 s of every review.
const { REVIEW_BUNDLE, ensureReviewBundle } = require("./build.js");

async function review() {
  await ensureReviewBundle();
  return require(REVIEW_BUNDLE).main(process.argv.slice(2));
}

review().then(
  (code) => (process.exitCode = code),
  (error) => {
    if (!Array.isArray(error?.errors)) console.error(error); // esbuild has printed its own errors
    process.exitCode = 1;
  },
);
