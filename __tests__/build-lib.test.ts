// scripts/build-lib.js around incremental tsc: lib/ holds exactly what the program it records emits.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of the repository, as npm runs it
const { expectedOutputs, missesAnOutput, pruneStale } = require("../scripts/build-lib.js") as {
  expectedOutputs(lib: string): Set<string> | undefined;
  missesAnOutput(lib: string): boolean;
  pruneStale(lib: string): string[];
};

/** A project folder whose lib/ has build info naming these files (as tsc writes them: relative to lib/). */
function project(fileNames: string[], libFiles: string[]): string {
  const lib = path.join(mkdtempSync(path.join(tmpdir(), "airlock-build-lib-")), "lib");
  mkdirSync(lib);
  writeFileSync(path.join(lib, ".tsbuildinfo"), JSON.stringify({ fileNames, version: "5.9.3" }));
  for (const f of libFiles) {
    mkdirSync(path.dirname(path.join(lib, f)), { recursive: true });
    writeFileSync(path.join(lib, f), "");
  }
  return lib;
}

const FILE_NAMES = [
  "../node_modules/typescript/lib/lib.es2022.d.ts",
  "../node_modules/cdktf/lib/index.d.ts",
  "../config/load.ts",
  "../config/shared-vpc.json",
  "../index.ts",
  "../types/ambient.d.ts",
];
const OUTPUTS = ["config/load.js", "config/load.d.ts", "config/shared-vpc.json", "index.js", "index.d.ts"];

describe("build-lib", () => {
  it("expects a .js and a .d.ts of each of the project's sources and a JSON module's copy, nothing of node_modules or declarations", () => {
    const lib = project(FILE_NAMES, []);
    expect([...expectedOutputs(lib)!].sort()).toEqual([".tsbuildinfo", ...OUTPUTS].sort());
  });

  it("builds from nothing when an output the build info records is missing (incremental tsc would not write it again)", () => {
    expect(missesAnOutput(project(FILE_NAMES, OUTPUTS))).toBe(false);
    expect(
      missesAnOutput(
        project(
          FILE_NAMES,
          OUTPUTS.filter((f) => f !== "config/load.js"),
        ),
      ),
    ).toBe(true);
  });

  it("builds from nothing a lib/ without readable build info, and builds a missing lib/ as usual", () => {
    const lib = project([], OUTPUTS);
    writeFileSync(path.join(lib, ".tsbuildinfo"), "{ not json");
    expect(missesAnOutput(lib)).toBe(true);
    expect(missesAnOutput(path.join(lib, "..", "no-lib"))).toBe(false);
  });

  it("removes the outputs of sources the program no longer has, and the folders they leave empty", () => {
    const lib = project(FILE_NAMES, [...OUTPUTS, "config/renamed.js", "config/renamed.d.ts", "synth/main.js"]);
    expect(pruneStale(lib).sort()).toEqual(["config/renamed.d.ts", "config/renamed.js", "synth/main.js"]);
    for (const f of OUTPUTS) expect(existsSync(path.join(lib, f))).toBe(true);
    expect(existsSync(path.join(lib, "synth"))).toBe(false);
  });
});
