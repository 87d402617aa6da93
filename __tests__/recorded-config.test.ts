// A synth without AIRLOCK_CONFIG re-synthesizes the config cdktf.out/ records (a team's own), never the
// example over it; switching is explicit and says what it replaces; a recorded config that is gone is
// refused with the fix, not replaced silently.
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ConfigError } from "../config/load";
import { synthRecord } from "../synth/record";
import { chooseConfig } from "../synth/choose-config";

function project(recorded?: { config: string; stacks: string[] }, files: string[] = []) {
  const root = mkdtempSync(path.join(tmpdir(), "airlock-recorded-"));
  const outdir = path.join(root, "cdktf.out");
  mkdirSync(path.join(root, "config"), { recursive: true });
  for (const f of files) writeFileSync(path.join(root, f), "{}");
  if (recorded) {
    mkdirSync(outdir, { recursive: true });
    writeFileSync(path.join(outdir, "pip-airlock.json"), synthRecord(root, path.join(root, recorded.config), recorded.stacks));
  }
  return { root, outdir };
}

describe("which config a synth uses", () => {
  it("without AIRLOCK_CONFIG: the recorded config, silently", () => {
    const { root, outdir } = project({ config: "config/acme.json", stacks: ["dev", "prod"] }, ["config/acme.json", "config/example.json"]);
    expect(chooseConfig(root, outdir, undefined)).toEqual({ configFile: path.join(root, "config", "acme.json") });
  });

  it("without AIRLOCK_CONFIG and no record yet: the example", () => {
    const { root, outdir } = project(undefined, ["config/example.json"]);
    expect(chooseConfig(root, outdir, undefined)).toEqual({ configFile: path.join(root, "config", "example.json") });
  });

  it("with neither a record nor the example: refused, saying how to name one", () => {
    const { root, outdir } = project();
    expect(() => chooseConfig(root, outdir, undefined)).toThrow(
      /nothing says which config to synthesize \(cdktf\.out\/ has no pip-airlock\.json, and the example is gone\): AIRLOCK_CONFIG=config\/YOURS\.json node synth\.js/,
    );
  });

  it("a recorded config that is gone is refused, naming it and the fix (the example is not synthesized over the team's stacks)", () => {
    const { root, outdir } = project({ config: "config/acme.json", stacks: ["dev"] }, ["config/example.json"]);
    let error: unknown;
    try {
      chooseConfig(root, outdir, undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `${path.join(root, "config", "acme.json")}: cdktf.out/pip-airlock.json records this config, which is missing: restore it, or name the config to synthesize instead (AIRLOCK_CONFIG=config/YOURS.json node synth.js)`,
    );
  });

  it("AIRLOCK_CONFIG naming another config switches, and says what it replaces", () => {
    const { root, outdir } = project({ config: "config/acme.json", stacks: ["dev", "prod"] }, ["config/acme.json", "config/example.json"]);
    const other = path.join(root, "config", "example.json");
    expect(chooseConfig(root, outdir, other)).toEqual({
      configFile: other,
      notice: "config/example.json replaces config/acme.json, which cdktf.out/ was synthesized from (its stacks: dev, prod)",
    });
    expect(chooseConfig(root, outdir, path.join(root, "config", "acme.json"))).toEqual({
      configFile: path.join(root, "config", "acme.json"),
      notice: undefined,
    });
  });
});
