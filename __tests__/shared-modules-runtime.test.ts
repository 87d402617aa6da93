// The runtime jest.config.js names (shared-modules-runtime.js): cdktf loaded once per worker, and what a
// suite still sees of it as before.
import { App, DefaultTokenResolver, Lazy, StringConcat, Testing, Token, Tokenization } from "cdktf";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

let outdir: string;
beforeEach(() => (outdir = mkdtempSync(path.join(tmpdir(), "airlock-shared-"))));
afterEach(() => rmSync(outdir, { recursive: true, force: true }));

describe("cdktf loaded once per worker", () => {
  it("comes from the worker's own require, not from a copy made for this suite", () => {
    // An object cdktf makes is of the worker's realm: its prototype chain ends at another Object.
    expect(new App({ outdir }) instanceof Object).toBe(false);
    expect({} instanceof Object).toBe(true);
  });

  it("reads the process.env this suite sets (cdktf's App reads CDKTF_OUTDIR)", () => {
    process.env.CDKTF_OUTDIR = outdir;
    try {
      expect(new App().outdir).toBe(outdir);
    } finally {
      delete process.env.CDKTF_OUTDIR;
    }
  });
});

describe("between suites", () => {
  it("forgets the tokens a suite made (cdktf's token map would keep its stacks for the worker's life), and new ones resolve", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- what the runtime runs after each suite (CommonJS)
    const forgetSuiteTokens = require("./forget-suite-tokens.js") as () => void;
    const app = Testing.app({ stackTraces: false });
    const earlier = Token.asString(Lazy.stringValue({ produce: () => "an earlier suite's value" }));
    expect(Tokenization.resolve(earlier, { scope: app, resolver: new DefaultTokenResolver(new StringConcat()) })).toBe(
      "an earlier suite's value",
    );
    forgetSuiteTokens();
    expect(() => Tokenization.resolve(earlier, { scope: app, resolver: new DefaultTokenResolver(new StringConcat()) })).toThrow(
      /Unrecognized Token Key/,
    );
    const later = Token.asString(Lazy.stringValue({ produce: () => "this suite's value" }));
    expect(later).not.toBe(earlier);
    expect(Tokenization.resolve(later, { scope: app, resolver: new DefaultTokenResolver(new StringConcat()) })).toBe("this suite's value");
  });
});
