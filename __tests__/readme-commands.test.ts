import { spawnSync } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { readSynthRecord, synthCommand } from "../synth/record";
import { cloneProject } from "./clone-project";
import { EXAMPLE_CONFIG, fileTree, ROOT } from "./config-support";
import { staleSynth } from "../synth/freshness";

/** The README's first code block: `npm ci && SYNTH  # ...` and `npm test  # ...`. */
function readmeSetupCommands(): { synth: string; test: string } {
  const block = /^```bash\n([\s\S]*?)^```/m.exec(readFileSync(path.join(ROOT, "README.md"), "utf8"));
  const [first, second, ...rest] = (block?.[1] ?? "")
    .trim()
    .split("\n")
    .map((line) => line.replace(/#.*$/, "").trim());
  expect(rest).toEqual([]);
  expect(first).toMatch(/^npm ci && /);
  return { synth: first.replace(/^npm ci && /, ""), test: second };
}

function runIn(dir: string, command: string, config?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AIRLOCK_CONFIG;
  delete env.CDKTF_OUTDIR;
  if (config) env.AIRLOCK_CONFIG = config;
  return spawnSync("sh", ["-c", command], { cwd: dir, env, encoding: "utf8" });
}

describe("the README's set-up commands, as a newcomer runs them", () => {
  const { synth, test } = readmeSetupCommands();

  it("are the synth command the tools recommend and the test script", () => {
    expect(synth).toBe(synthCommand());
    expect(test).toBe("npm test");
  });

  it("synthesizes the recorded config into cdktf.out/ with one line of output and nothing on stderr", () => {
    const dir = cloneProject();
    const record = readSynthRecord(path.join(dir, "cdktf.out"));
    const run = runIn(dir, synth);
    expect([run.status, run.stderr, run.stdout]).toEqual([
      0,
      "",
      `pip-airlock: synthesized ${record.stacks.join(", ")} from ${record.config}\n`,
    ]);
    expect(staleSynth(dir)).toEqual([]);
  });

  it("refuses a bad config with each problem printed once, exit 1, and cdktf.out/ untouched", () => {
    const dir = cloneProject(ROOT, { builtBundles: true });
    const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    const { projectId, ...rest } = example;
    writeFileSync(path.join(dir, "config", "bad.json"), JSON.stringify({ ...rest, projectID: projectId, region: "mars" }));
    const before = fileTree(path.join(dir, "cdktf.out"));

    const run = runIn(dir, synth, "config/bad.json");
    expect(run.status).toBe(1);
    const output = run.stdout + run.stderr;
    const problems = [
      'config/bad.json: projectID: unknown key: did you mean "projectId"?',
      "config/bad.json: projectId: is required: add it (see docs/configuration.md)",
      'config/bad.json: region: must be a Google Cloud region such as "us-central1"',
    ];
    for (const problem of problems) expect(output.split(problem).length - 1).toBe(1);
    expect(fileTree(path.join(dir, "cdktf.out"))).toEqual(before);
  });
});
