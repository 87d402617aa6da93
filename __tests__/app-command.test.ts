import { spawnSync } from "child_process";
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from "fs";
import * as path from "path";
import { cloneProject } from "./clone-project";

/** Run the app command cdktf.json names, in `dir`, as the cdktf CLI would (outdir in CDKTF_OUTDIR). */
function app(dir: string, env: NodeJS.ProcessEnv = {}) {
  const command = JSON.parse(readFileSync(path.join(dir, "cdktf.json"), "utf8")).app;
  // The tests' own config: a fork may have deleted config/example.json.
  const config = path.join(dir, "__tests__", "fixtures", "example.json");
  return spawnSync("sh", ["-c", command], {
    cwd: dir,
    env: { ...process.env, CDKTF_OUTDIR: path.join(dir, "out"), AIRLOCK_CONFIG: config, ...env },
    encoding: "utf8",
  });
}

describe("the app command: bundle rebuilt only when a source changed, V8's compiled code reused", () => {
  it("builds and caches on the first run, reuses both after, rebuilds after a source change, and survives a bad cache", () => {
    const dir = cloneProject();
    const bundle = path.join(dir, "dist", "main.js");
    const cache = `${bundle}.v8cache`;
    const synthesized = () => JSON.parse(readFileSync(path.join(dir, "out", "stacks", "airlock", "cdk.tf.json"), "utf8"));

    const first = app(dir);
    expect([first.status, first.stderr]).toEqual([0, ""]);
    expect(existsSync(cache)).toBe(true);
    const [bundleAt, cacheAt] = [statSync(bundle).mtimeMs, statSync(cache).mtimeMs];
    const expected = synthesized();

    expect(app(dir).status).toBe(0);
    expect([statSync(bundle).mtimeMs, statSync(cache).mtimeMs]).toEqual([bundleAt, cacheAt]);
    expect(synthesized()).toEqual(expected);

    writeFileSync(cache, "not a V8 code cache"); // V8 rejects it: the run compiles afresh and writes a good one
    expect(app(dir).status).toBe(0);
    expect(readFileSync(cache).length).toBeGreaterThan(1000);
    expect(synthesized()).toEqual(expected);

    utimesSync(path.join(dir, "main.ts"), new Date(), new Date(Date.now() + 60_000));
    expect(app(dir).status).toBe(0);
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(bundleAt);
    expect(synthesized()).toEqual(expected);

    const bad = app(dir, { AIRLOCK_CONFIG: path.join(dir, "nope.json") });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("cannot read the config file (no such file)");
  });
});
