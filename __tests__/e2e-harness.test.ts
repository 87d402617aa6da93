// The e2e harness's own code (e2e/run.sh, lib.sh, harness/, scenarios/, sim/): linted here, run by
// e2e/run.sh (as root: network namespaces).
import { spawnSync } from "child_process";
import { readdirSync } from "fs";
import * as path from "path";
import { ROOT } from "./support";

const E2E = path.join(ROOT, "e2e");
const files = (dir: string, ext: string) =>
  readdirSync(path.join(E2E, dir)).filter((f) => f.endsWith(ext)).map((f) => path.join(E2E, dir, f));

describe("the e2e harness", () => {
  it("its shell is shellcheck-clean, following what each file sources", () => {
    const shell = [path.join(E2E, "run.sh"), path.join(E2E, "lib.sh"), ...files("harness", ".sh"), ...files("scenarios", ".sh"), ...files("sim", ".sh")];
    const lint = spawnSync("shellcheck", ["-x", ...shell], { encoding: "utf8" });
    expect(lint.stdout).toBe("");
    expect(lint.status).toBe(0);
  }, 180_000); // shellcheck follows lib.sh and harness/ once per scenario

  it("its Python compiles with the machine's python3, and each command-line tool answers --help", () => {
    const python = files("sim", ".py");
    const compiled = spawnSync("python3", ["-c", "import sys; [compile(open(f).read(), f, 'exec') for f in sys.argv[1:]]", ...python], { encoding: "utf8" });
    expect(compiled.stderr).toBe("");
    expect(compiled.status).toBe(0);
    for (const tool of ["harness.py", "checks.py", "scenario_data.py", "fleet_report.py"]) {
      const help = spawnSync("python3", [path.join(E2E, "sim", tool), "--help"], { encoding: "utf8" });
      expect(help.status).toBe(0);
    }
  });
});
