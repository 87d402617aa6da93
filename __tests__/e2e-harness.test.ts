// The e2e harness's own Python (e2e/sim/): it compiles and its tools answer. Its shell is shellcheck-clean by
// npm run lint (scripts/lint-shell.sh, every tracked shell file), which CI runs before the tests.
import { spawnSync } from "child_process";
import { readdirSync } from "fs";
import * as path from "path";
import { ROOT } from "./config-support";

const E2E = path.join(ROOT, "e2e");
const files = (dir: string, ext: string) =>
  readdirSync(path.join(E2E, dir))
    .filter((f) => f.endsWith(ext))
    .map((f) => path.join(E2E, dir, f));

describe("the e2e harness", () => {
  it("its Python compiles with the machine's python3, and each command-line tool answers --help", () => {
    const python = files("sim", ".py");
    const compiled = spawnSync("python3", ["-c", "import sys; [compile(open(f).read(), f, 'exec') for f in sys.argv[1:]]", ...python], {
      encoding: "utf8",
    });
    expect(compiled.stderr).toBe("");
    expect(compiled.status).toBe(0);
    for (const tool of ["harness.py", "checks.py", "scenario_data.py", "fleet_report.py"]) {
      const help = spawnSync("python3", [path.join(E2E, "sim", tool), "--help"], { encoding: "utf8" });
      expect(help.status).toBe(0);
    }
  });
});
