import { guardAgainstLeaks } from "./leak-guard";

// No cdktf jest matchers (Testing.setupJest): no suite uses them, and they load the whole of cdktf into every
// suite, about 0.1 s each for the suites that build no stack.
guardAgainstLeaks();

// The app the synth runs records no token stack traces (build.js, noTokenStackTraces: cdktf keeps them only to
// name where an unresolvable token was made). Under jest every such trace is also source-mapped, which cost
// about half of each stack's build. The suites build stacks the way the app does: without them. The module
// exports only captureStackTrace in cdktf 0.21 (and cdktn 0.24 more, which stay as they are).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a private cdktf module, patched in place as the bundle replaces it
const stackTrace = require("cdktf/lib/tokens/private/stack-trace") as { captureStackTrace: (below?: unknown) => string[] };
stackTrace.captureStackTrace = () => [];
