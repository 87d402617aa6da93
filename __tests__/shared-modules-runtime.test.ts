// The runtime jest.config.js names (shared-modules-runtime.js): cdktf loaded once per worker, and what a
// suite still sees of it as before.
import { App } from "cdktf";
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
