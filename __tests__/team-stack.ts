// A team's own stack, as the library's README shows it: its google provider (another project and region
// than the airlock's), its backend and a resource of its own, into which a test adds a PipAirlock.
import { GcsBackend, TerraformStack, Testing } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { readFileSync } from "fs";
import { AirlockConfig } from "../config/airlock-config";
import { EXAMPLE_CONFIG } from "./support";

export const TEAM_PROJECT = "acme-platform";

/** The example config's one environment, as a team writes it in code (no `name`). */
export function exampleAirlockConfig(edit?: (c: any) => void): AirlockConfig {
  const { name: _name, ...config } = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  edit?.(config);
  return config;
}

/** A stack named `platform` with the team's provider, backend and bucket; `withProvider: false` leaves the provider out. */
export function teamStack(options: { withProvider?: boolean } = {}): TerraformStack {
  const app = Testing.app({ stackTraces: false });
  const stack = new TerraformStack(app, "platform");
  if (options.withProvider ?? true) new GoogleProvider(stack, "google", { project: TEAM_PROJECT, region: "europe-west1" });
  new GcsBackend(stack, { bucket: "acme-tf-state", prefix: "platform" });
  new StorageBucket(stack, "artifacts", { name: "acme-artifacts", location: "EU" });
  return stack;
}

/** The stack's Terraform JSON with cdktf's metadata (construct paths), once every validation passed (the guardrails, the providers, the addresses). */
export function synthTeamJson(stack: TerraformStack): any {
  Testing.synth(stack, true);
  return JSON.parse(JSON.stringify(stack.toTerraform()));
}
