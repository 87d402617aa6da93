import { existsSync, mkdirSync, mkdtempSync, readdirSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { nestedJest } from "./config-support";

// One nested jest, with workers as npm test has them and TMPDIR an empty folder, runs two real suites
// (config.test.ts makes its own mkdtemp folder, stack.test.ts builds stacks with cdktf's Testing.app: a
// cdktf.outdir.* each) and fixtures/leaks-a-child.ts, a suite that does not wait for its child process.
let tmp: string;
let run: ReturnType<typeof nestedJest>;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "airlock-nested-tmp-"));
  const suites = ["**/__tests__/config.test.ts", "**/__tests__/stack.test.ts", "**/fixtures/leaks-a-child.ts"];
  const tests = "accepts the example and fills defaults|exactly one public|starts a child process";
  run = nestedJest(["--forceExit", "--testMatch", ...suites, "-t", tests], { TMPDIR: tmp });
});

describe("every suite is checked for what it leaves running (the cause of jest's 'worker failed to exit gracefully')", () => {
  it("fails a suite that leaves a child process running, naming it, and no other", () => {
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Tests:\s+\d+ skipped, 3 passed, \d+ total/); // every test passed: the guard failed the suite
    expect(run.stderr).toMatch(/Test Suites:\s+1 failed, 2 passed, 3 total/);
    expect(run.stderr).toMatch(/FAIL [^\n]*fixtures\/leaks-a-child\.ts/);
    expect(run.stderr).toMatch(/this suite left [^\n]*1 ProcessWrap[^\n]* running after its last test/);
  });
});

describe("npm test leaves no temporary files behind", () => {
  it("removes every temporary folder its suites and cdktf's test apps made", () => {
    expect(run.stderr).toMatch(/PASS [^\n]*__tests__\/stack\.test\.ts/);
    expect(run.stderr).toMatch(/PASS [^\n]*__tests__\/config\.test\.ts/);
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
