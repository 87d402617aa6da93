// cdktf requires `archiver` when it loads, only to zip TerraformAsset folders, which pip-airlock never
// creates: loading it costs about 100 ms of every synth, and of every jest suite that loads cdktf. This
// stand-in takes its place (build.js bundles it, jest.config.js maps it) and loads the real archiver, from
// cdktf's own dependencies, on first use. Resolved from a path, not by name: jest maps the name to this file.
"use strict";

let real;
module.exports = function archiver(...args) {
  real ??= require(require.resolve("archiver", { paths: [require.resolve("cdktf")] }));
  return real(...args);
};
