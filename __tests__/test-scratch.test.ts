import { existsSync, mkdirSync, mkdtempSync, readdirSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { nestedJest } from "./config-support";

describe("npm test leaves no temporary files behind", () => {
  it("removes every temporary folder its suites and cdktf's test apps made", () => {
    // Two real suites in a nested jest whose TMPDIR is an empty folder: config.test.ts makes its own
    // mkdtemp folder, stack.test.ts builds stacks with cdktf's Testing.app (a cdktf.outdir.* each).
    const tmp = mkdtempSync(path.join(tmpdir(), "airlock-nested-tmp-"));
    const suites = ["__tests__/config.test.ts", "__tests__/stack.test.ts"];
    const run = nestedJest([...suites, "-t", "accepts the example and fills defaults|exactly one public"], { TMPDIR: tmp });
    expect(run.stderr).toMatch(/Tests:.* 2 passed/);
    expect(run.status).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  });

  describe("the teardown", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest's globalTeardown is CommonJS, as jest loads it
    const teardown = require("./scratch-teardown.js");
    const scratchRoot = () => {
      const root = mkdtempSync(path.join(tmpdir(), "airlock-scratch-"));
      mkdirSync(path.join(root, "left-by-a-suite"));
      (globalThis as any).__airlockScratch = { root, tmpdir: process.env.TMPDIR };
      return root;
    };
    afterEach(() => {
      delete (globalThis as any).__airlockScratch;
      delete process.env.AIRLOCK_KEEP_TEST_TMP;
    });

    it("removes the run's folder with everything in it", async () => {
      const root = scratchRoot();
      await teardown();
      expect(existsSync(root)).toBe(false);
    });

    it("keeps it, and says where, with AIRLOCK_KEEP_TEST_TMP set", async () => {
      const root = scratchRoot();
      process.env.AIRLOCK_KEEP_TEST_TMP = "1";
      const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
      await teardown();
      const written = write.mock.calls.map(([chunk]) => String(chunk)).join("");
      write.mockRestore();
      expect(existsSync(path.join(root, "left-by-a-suite"))).toBe(true);
      expect(written).toContain(`kept their temporary files in ${root}`);
    });
  });
});
