// What cdktf 0.21 does with the dependency the synth records between two environments on one VPC: the
// manifest lists it, and the CLI's own scheduling and guards (the functions its bundle carries, from
// @cdktf/cli-core 0.21.0, src/lib/helpers/stack-helpers.js) read it from there: deploy runs the owner
// first and refuses the dependent alone; destroy runs the dependent first and refuses the owner alone.
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { synthesize } from "../synth/synthesize";
import { ASSETS, FIXTURES } from "./config-support";

// Only the helpers' own logic: @cdktf/commons would ask HashiCorp's checkpoint service and start terraform on load.
jest.mock("@cdktf/commons", () => ({
  Errors: { Usage: (message: string) => new Error(message) },
  logger: { debug: () => undefined },
  ensureAllSettledBeforeThrowing: (all: Promise<unknown>) => all,
}));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helpers = require("@cdktf/cli-core/src/lib/helpers/stack-helpers.js");

const DIR = mkdtempSync(path.join(tmpdir(), "airlock-stackdeps-"));

/** The stacks as `cdktf deploy` and `cdktf destroy` read them (@cdktf/cli-core synth-stack.js, readSynthesizedStacks: manifest.json's stacks). */
function synthesizedStacks(): Array<{ name: string; dependencies: string[] }> {
  const { projectId: _drop, ...base } = JSON.parse(readFileSync(path.join(FIXTURES, "shared-vpc.json"), "utf8"));
  const file = path.join(DIR, "config.json");
  const analytics = { projectId: "acme-analytics", networks: { private: { dns: "external", manage: { googleApisRoute: false } } } };
  writeFileSync(file, JSON.stringify({ ...base, environments: { ml: { projectId: "acme-ml-prod" }, analytics } }));
  const outdir = path.join(DIR, "out");
  synthesize({ configFile: file, outdir, assetsDir: ASSETS });
  const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  return Object.values(manifest.stacks).map((s: any) => ({ name: s.name, dependencies: s.dependencies }));
}

const stacks = synthesizedStacks();
const only = (name: string) => stacks.filter((s) => s.name === name);
/** Stack executors as the CLI schedules them: `done` ones finished. */
const executors = (done: string[]) =>
  stacks.map((stack) => ({ stack, isPending: !done.includes(stack.name), currentState: done.includes(stack.name) ? "done" : "pending" }));

describe("cdktf and the dependency between two environments on one VPC", () => {
  it("deploy: the owner runs first, then its dependent; the dependent alone is refused", async () => {
    // The manifest lists analytics first (its keys are sorted): the order comes from the dependency alone.
    expect(stacks).toEqual([
      { name: "analytics", dependencies: ["ml"] },
      { name: "ml", dependencies: [] },
    ]);
    expect((await helpers.getStackWithNoUnmetDependencies(executors([])))?.stack.name).toBe("ml");
    expect((await helpers.getStackWithNoUnmetDependencies(executors(["ml"])))?.stack.name).toBe("analytics");
    expect(() => helpers.checkIfAllDependenciesAreIncluded(only("analytics"))).toThrow(
      "The following dependencies are not included in the stacks to run: ml. Either add them or add the --ignore-missing-stack-dependencies flag.",
    );
  });

  it("destroy: the dependent goes first; the owner alone is refused", async () => {
    expect((await helpers.getStackWithNoUnmetDependants(executors([])))?.stack.name).toBe("analytics");
    expect((await helpers.getStackWithNoUnmetDependants(executors(["analytics"])))?.stack.name).toBe("ml");
    expect(() => helpers.checkIfAllDependantsAreIncluded(only("ml"), stacks)).toThrow(
      "The following dependant stacks are not included in the stacks to run: analytics. Either add them or add the --ignore-missing-stack-dependencies flag.",
    );
  });
});
