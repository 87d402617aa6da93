// scripts/build-lib.js around incremental tsc: lib/ holds exactly what the program it records emits.
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of the repository, as npm runs it
const { expectedOutputs, isUpToDate, missesAnOutput, pruneStale } = require("../scripts/build-lib.js") as {
  expectedOutputs(lib: string): Set<string> | undefined;
  isUpToDate(lib: string, config: string[]): boolean;
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

  describe("tsc is not started when nothing it read has changed since the last build began", () => {
    const BUILT_AT = new Date("2026-01-01T00:00:10Z");
    const BEFORE = new Date("2026-01-01T00:00:00Z");
    const LATER = new Date("2026-01-01T00:00:20Z");

    /** A project built at BUILT_AT from inputs (FILE_NAMES and a config file) last changed before it. */
    function built() {
      const lib = project(FILE_NAMES, OUTPUTS);
      const inputs = FILE_NAMES.map((name) => path.resolve(lib, name));
      const config = path.join(lib, "..", "tsconfig.lib.json");
      for (const file of [...inputs, config]) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, "");
        utimesSync(file, BEFORE, BEFORE);
      }
      utimesSync(path.join(lib, ".tsbuildinfo"), BUILT_AT, BUILT_AT);
      return { lib, inputs, config };
    }

    it("skips the build when the build info is newer than every file it read and than the config", () => {
      const { lib, config } = built();
      expect(isUpToDate(lib, [config])).toBe(true);
    });

    it.each([
      ["a source of the project", "../config/load.ts"],
      ["a declaration in node_modules", "../node_modules/cdktf/lib/index.d.ts"],
      ["one of TypeScript's own libs", "../node_modules/typescript/lib/lib.es2022.d.ts"],
    ])("builds when %s changed after the build began", (_what, name) => {
      const { lib, config } = built();
      utimesSync(path.resolve(lib, name), LATER, LATER);
      expect(isUpToDate(lib, [config])).toBe(false);
    });

    it("builds when the config changed, a file it read is gone, an output is missing, or there is no build info", () => {
      let b = built();
      utimesSync(b.config, LATER, LATER);
      expect(isUpToDate(b.lib, [b.config])).toBe(false);
      b = built();
      rmSync(path.resolve(b.lib, "../config/load.ts"));
      expect(isUpToDate(b.lib, [b.config])).toBe(false);
      b = built();
      rmSync(path.join(b.lib, "index.d.ts"));
      expect(isUpToDate(b.lib, [b.config])).toBe(false);
      b = built();
      rmSync(path.join(b.lib, ".tsbuildinfo"));
      expect(isUpToDate(b.lib, [b.config])).toBe(false);
    });
  });
});
