import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./support";

describe("every suite is checked for what it leaves running (the cause of jest's 'worker failed to exit gracefully')", () => {
  it("fails a suite that leaves a child process running, naming it", () => {
    const jest = path.join(ROOT, "node_modules", "jest", "bin", "jest.js");
    const run = spawnSync(process.execPath, [jest, "--ci", "--forceExit", "--testMatch", "**/fixtures/leaks-a-child.ts"], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Tests:\s+1 passed/); // the test itself passed: the guard failed the suite
    expect(run.stderr).toMatch(/this suite left [^\n]*1 ProcessWrap[^\n]* running after its last test/);
  });
});
