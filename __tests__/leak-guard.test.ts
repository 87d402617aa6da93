import { nestedJest } from "./config-support";

describe("every suite is checked for what it leaves running (the cause of jest's 'worker failed to exit gracefully')", () => {
  it("fails a suite that leaves a child process running, naming it", () => {
    const run = nestedJest(["--forceExit", "--testMatch", "**/fixtures/leaks-a-child.ts"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Tests:\s+1 passed/); // the test itself passed: the guard failed the suite
    expect(run.stderr).toMatch(/this suite left [^\n]*1 ProcessWrap[^\n]* running after its last test/);
  });
});
