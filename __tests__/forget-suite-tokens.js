// After a suite, when cdktf is loaded once per worker (shared-modules-runtime.js): empty cdktf's token map, a
// private singleton that would otherwise keep every token of every suite the worker ran, and through them
// the suites' stacks. Its counter goes on, so a token string kept across suites fails to resolve ("Unrecognized
// Token Key") rather than resolving to another suite's value. A cdktf whose map has another shape is left as is.
module.exports = function forgetSuiteTokens() {
  // cdktf's index first: its private modules import each other in a cycle that only the index enters cleanly.
  require("cdktf");
  const { TokenMap } = require("cdktf/lib/tokens/private/token-map");
  const tokens = TokenMap?.instance?.();
  // Not instanceof Map: the suites' own copy of this file (its test) is of another realm than cdktf.
  const isMap = (m) => Object.prototype.toString.call(m) === "[object Map]";
  if (!(isMap(tokens?.stringTokenMap) && isMap(tokens.numberTokenMap))) return;
  tokens.stringTokenMap.clear();
  tokens.numberTokenMap.clear();
};
