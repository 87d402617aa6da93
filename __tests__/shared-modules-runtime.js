// jest's runtime (jest.config.js `runtime`), with cdktf, constructs and the providers loaded once per worker
// rather than once per suite. jest gives each suite a fresh copy of every module it loads: for the ~45
// suites that build a stack that is cdktf's and the providers' modules loaded again and run cold (in V8's
// interpreter) at each suite's first stack, about 0.15 CPU-seconds a suite. Loaded by the worker's own
// require instead, they are the same real packages, compiled and optimized once.
// What that changes for a suite:
// - these packages' state lives as long as the worker (cdktf's token map; the suites that patch cdktf,
//   setup.ts's stack traces, patch it for every suite alike);
// - cdktf reads the worker's process.env, so the suites' process.env is the worker's own (not jest's copy
//   per suite): a suite that sets a variable for cdktf (CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS) restores it;
// - jest.mock of them still gives the suite its mock; jest.resetModules and isolateModules leave them loaded.
const path = require("path");
const Runtime = require("jest-runtime").default;

const SHARED = /^(cdktf|constructs|@cdktf\/provider-(google|google-beta|time))(\/|$)/;

class SharedModulesRuntime extends Runtime {
  constructor(config, environment, ...rest) {
    super(config, environment, ...rest);
    environment.global.process.env = process.env;
  }

  requireModule(from, moduleName, options, isRequireActual) {
    if (moduleName !== undefined && SHARED.test(moduleName)) return require(require.resolve(moduleName, { paths: [path.dirname(from)] }));
    return super.requireModule(from, moduleName, options, isRequireActual);
  }
}

module.exports = SharedModulesRuntime;
