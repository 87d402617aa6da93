// jest's runtime (jest.config.js `runtime`, jest's option for a Runtime of one's own: in jest 29, documented in
// its Configuration.md since jestjs/jest#15863; requireModule and teardown are the Runtime's public methods),
// with cdktf, constructs and the providers loaded once per worker rather than once per suite. jest gives each
// suite a fresh copy of every module it loads: for the ~45 suites that build a stack that is cdktf's and the
// providers' modules loaded again and run cold (in V8's interpreter) at each suite's first stack, about 0.15
// CPU-seconds a suite. Loaded by the worker's own require instead, they are the same real packages, compiled
// and optimized once.
// What that changes for a suite:
// - these packages' state lives as long as the worker. setup.ts's patch of cdktf's stack traces holds for
//   every suite alike. cdktf's token map would keep every token of every suite, and through them the suites'
//   stacks: it is emptied after each suite that loaded cdktf (forget-suite-tokens.js);
// - cdktf reads the worker's process.env, so the suites' process.env is the worker's own (not jest's copy
//   per suite): a suite that sets a variable for cdktf (CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS) restores it;
// - jest.mock of them still gives the suite its mock; jest.resetModules and isolateModules leave them loaded.
// A worker now lives through many suites; collectGarbageBeforeTheCheck keeps jest from replacing it for
// garbage it has not collected yet.
const path = require("path");
const v8 = require("v8");
const vm = require("vm");
const Runtime = require("jest-runtime").default;
const forgetSuiteTokens = require("./forget-suite-tokens");

const SHARED = /^(cdktf|constructs|@cdktf\/provider-(google|google-beta|time))(\/|$)/;

let gc;
/**
 * jest-worker replaces a worker whose heap, measured right after a suite, passed workerIdleMemoryLimit; the
 * heap then holds the suite's garbage (its module registry, its stacks) as much as what the worker keeps.
 * When it is past the limit, a full collection first (after the suite's environment is torn down, before
 * jest asks): cheaper than a new worker, which loads jest and these packages again and runs them cold.
 */
function collectGarbageBeforeTheCheck(limitBytes) {
  if (typeof limitBytes !== "number") return;
  setTimeout(() => {
    if (process.memoryUsage().heapUsed <= limitBytes) return;
    if (!gc) {
      v8.setFlagsFromString("--expose-gc"); // node's documented flag, set at run time: gc() in a new context
      gc = vm.runInNewContext("gc");
    }
    gc();
  }, 0);
}

class SharedModulesRuntime extends Runtime {
  constructor(config, environment, resolver, transformer, cacheFS, coverageOptions, testPath, globalConfig) {
    super(config, environment, resolver, transformer, cacheFS, coverageOptions, testPath, globalConfig);
    environment.global.process.env = process.env;
    this.idleMemoryLimit = globalConfig?.workerIdleMemoryLimit;
  }

  requireModule(from, moduleName, options, isRequireActual) {
    if (moduleName !== undefined && SHARED.test(moduleName)) {
      this.loadedShared = true;
      return require(require.resolve(moduleName, { paths: [path.dirname(from)] }));
    }
    return super.requireModule(from, moduleName, options, isRequireActual);
  }

  teardown() {
    super.teardown();
    if (this.loadedShared) forgetSuiteTokens();
    collectGarbageBeforeTheCheck(this.idleMemoryLimit);
  }
}

module.exports = SharedModulesRuntime;
