// scripts/typecheck.sh (npm test's type-check) on a project of two files and one package: it checks again after
// every change it must see, a package npm installed among them, and re-reports errors until they are fixed.
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "./config-support";

// No TypeScript lib (it is most of a check's time): the few global types tsc requires, declared.
const GLOBALS = `interface Array<T> { length: number } interface Boolean {} interface Function {} interface CallableFunction {}
interface NewableFunction {} interface IArguments {} interface Number {} interface Object {} interface RegExp {} interface String {}`;

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-typecheck-"));
  const files: Record<string, string> = {
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        noLib: true,
        types: [],
        strict: true,
        module: "commonjs",
        incremental: true,
        outDir: "dist",
        tsBuildInfoFile: "dist/.tsbuildinfo",
      },
      include: ["src/**/*.ts"],
    }),
    "src/globals.d.ts": GLOBALS,
    "src/main.ts": `import { port } from "dep";\nexport const listen: number = port;\n`,
    "node_modules/dep/package.json": JSON.stringify({ name: "dep", version: "1.0.0", types: "index.d.ts" }),
    "node_modules/dep/index.d.ts": "export declare const port: number;\n",
    "node_modules/.package-lock.json": "{}",
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const typecheck = (dir: string) => spawnSync("bash", [path.join(ROOT, "scripts", "typecheck.sh"), dir], { encoding: "utf8" });
/** As if the last check ran a minute ago: a file written now is newer than it (file times can tick coarser than a test). */
function checkedAMinuteAgo(dir: string): void {
  const before = new Date(Date.now() - 60_000);
  utimesSync(path.join(dir, "dist", ".tsbuildinfo"), before, before);
}

describe("scripts/typecheck.sh", () => {
  // One project through a day's changes (each tsc costs about 0.3 CPU-seconds even here).
  it("passes a clean project emitting nothing; re-reports a source's error until it is fixed; checks against packages npm installed since", () => {
    const dir = project();
    const main = path.join(dir, "src", "main.ts");
    const failsAtMain = () => {
      const run = typecheck(dir);
      expect([run.status !== 0, run.stdout]).toEqual([true, expect.stringContaining("src/main.ts(2,14): error TS2322")]);
    };
    expect(typecheck(dir).status).toBe(0);
    expect(readdirSync(path.join(dir, "dist"))).toEqual([".tsbuildinfo", ".typecheck-packages.json"]);

    checkedAMinuteAgo(dir);
    writeFileSync(main, `import { port } from "dep";\nexport const listen: string = port;\n`);
    failsAtMain();
    failsAtMain();
    writeFileSync(main, `import { port } from "dep";\nexport const listen: number = port;\n`);
    expect(typecheck(dir).status).toBe(0);

    // npm changes a package the project's sources use (tsc's build mode alone would not look)
    writeFileSync(path.join(dir, "node_modules", "dep", "index.d.ts"), "export declare const port: string;\n");
    writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), `{ "dep": "2.0.0" }`);
    failsAtMain();
    writeFileSync(path.join(dir, "node_modules", "dep", "index.d.ts"), "export declare const port: number;\n");
    expect(typecheck(dir).status).toBe(0);
  });
});
