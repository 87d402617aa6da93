// Every shipped config (config/*.json, when a fork keeps them), every fixture, and a variant of each shape they
// lack, each environment synthesized in memory: what docs/security.md's generated deployer-roles and
// organization-policy tables are held to (__tests__/deployer-roles.test.ts, __tests__/org-policy.test.ts).
import { Testing } from "cdktf";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import type { SynthesizedEnvironment, SynthesizedTerraform } from "../constructs/guardrails/org-policy";
import { airlockStack } from "../synth/synthesize";
import { FIXTURES, ROOT, startupSources } from "./support";

export interface SynthesizedShape extends SynthesizedEnvironment {
  /** `config/example.json [airlock]`, `variant of example.json: CMEK [airlock]`, ... */
  readonly label: string;
  /** A shipped config or fixture (not a variant of one). */
  readonly shipped: boolean;
}

/** A fixture with `edit` applied (to its parsed JSON), written to a file of its own: its path. */
function variantOf(fixture: string, edit: (c: any) => void): string {
  const config = JSON.parse(readFileSync(path.join(FIXTURES, fixture), "utf8"));
  edit(config);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "airlock-shape-")), fixture);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** The shapes no shipped config or fixture has, each as a variant of a fixture. */
export const VARIANTS: ReadonlyArray<readonly [string, string, (c: any) => void]> = [
  ["CMEK", "example.json", (c) => void (c.repositories.kmsKeyName = "projects/acme-kms/locations/us-central1/keyRings/ar/cryptoKeys/pip")],
  ['vpcscPolicy "manage"', "shared-vpc.json", (c) => void (c.repositories.vpcscPolicy = "manage")],
  [
    "zonal fleet, autoscaling and a health check",
    "example.json",
    (c) => void (c.fleet = { name: "workers", autoscaling: { maxReplicas: 4 }, healthCheck: { port: 8080, path: "/healthz" } }),
  ],
  [
    "regional fleet with autoscaling",
    "example.json",
    (c) => void (c.fleet = { name: "workers", zones: ["us-central1-a", "us-central1-b"], autoscaling: { maxReplicas: 4 } }),
  ],
  [
    "HSM signing key, response policy",
    "example.json",
    (c) => {
      c.mirror.signing = { protectionLevel: "HSM" };
      c.networks.private.dns = "response-policy";
    },
  ],
];

function synthesizeFile(file: string, label: string, shipped: boolean): SynthesizedShape[] {
  return loadConfig(file).map((environment) => {
    const app = Testing.app({ stackTraces: false });
    const stack = airlockStack(app, environment, startupSources());
    const tf = JSON.parse(Testing.synth(stack)) as SynthesizedTerraform;
    return { label: `${label} [${environment.name}]`, shipped, config: environment.config, tf };
  });
}

/** The shipped configs and fixtures that exist here. */
export function shippedConfigFiles(): string[] {
  return [path.join(ROOT, "config"), FIXTURES].flatMap((dir) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
          .map((f) => path.join(dir, f))
      : [],
  );
}

let all: SynthesizedShape[] | undefined;

/** Every environment of every shipped config, fixture and variant, synthesized (once per test file). */
export function synthesizedShapes(): SynthesizedShape[] {
  return (all ??= [
    ...shippedConfigFiles().flatMap((file) => synthesizeFile(file, path.relative(ROOT, file), true)),
    ...VARIANTS.flatMap(([name, fixture, edit]) => synthesizeFile(variantOf(fixture, edit), `variant of ${fixture}: ${name}`, false)),
  ]);
}
