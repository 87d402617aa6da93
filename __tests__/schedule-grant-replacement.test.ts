// The schedule's grant to start the public host (an IAM member in the instance's own IAM policy) is
// replaced whenever that host is replaced: a new VM of the same name comes up without the binding.
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { EnvironmentConfig } from "../config/schema";
import { buildStack, exampleConfig, resourcesOf, synthJson } from "./support";
import { terraform } from "./terraform";

/** The public host (by name) and the grant, as synthesized for the example (which has a schedule) changed by `edit`. */
function synthesized(edit?: (c: EnvironmentConfig) => void) {
  const json = synthJson(buildStack(exampleConfig(edit)).stack);
  const hosts = Object.entries<any>(json.resource.google_compute_instance).filter(([, vm]) => vm.labels["airlock-role"] === "mirror");
  expect(hosts).toHaveLength(1);
  const [[hostName, host]] = hosts;
  const [grant] = resourcesOf(json, "google_compute_instance_iam_member");
  return { fingerprints: json.resource.terraform_data, hostName, host, grant };
}

/**
 * The google provider cannot be downloaded here, so Terraform plans a model built of its built-in
 * `terraform_data`, under the synthesized names: the fingerprints as synthesized, the public host as a
 * `terraform_data` carrying the host's lifecycle verbatim and its labels as `input` (updated in place,
 * as a VM's labels are), and the grant as a `terraform_data` whose replace_triggered_by is the
 * synthesized one with the instance's `instance_id` read as the stand-in's `id`: both are assigned by
 * the provider, unknown in the plan of a replacement and kept by an update in place. The grant's
 * instance_name is left out: it is the host's configured name, the same before and after a replacement.
 */
const STAND_IN = { google_compute_instance: { type: "terraform_data", attributes: { instance_id: "id" } } } as const;

function standInReference(reference: string): string {
  const [type, name, attribute] = reference.split(".");
  const standIn = STAND_IN[type as keyof typeof STAND_IN];
  const standInAttribute = standIn?.attributes[attribute as keyof typeof standIn.attributes];
  if (!standInAttribute) throw new Error(`no stand-in for ${reference}`);
  return `${standIn.type}.${name}.${standInAttribute}`;
}

function model({ fingerprints, hostName, host, grant }: ReturnType<typeof synthesized>, grantLifecycle = true): string {
  // depends_on (the API propagation wait) names resources of providers that cannot be had here.
  const standalone = Object.fromEntries(Object.entries<any>(fingerprints).map(([name, { depends_on: _d, ...r }]) => [name, r]));
  const grantStandIn = {
    input: "may start the public host",
    ...(grantLifecycle ? { lifecycle: { replace_triggered_by: grant.lifecycle.replace_triggered_by.map(standInReference) } } : {}),
  };
  return JSON.stringify({
    resource: {
      terraform_data: { ...standalone, [hostName]: { input: host.labels, lifecycle: host.lifecycle }, "may-start": grantStandIn },
    },
  });
}

describe("the schedule's grant to start the public host", () => {
  it("names the public host's instance_id in replace_triggered_by, as a static reference", () => {
    const { hostName, grant } = synthesized();
    expect(grant.instance_name).toBe(`\${google_compute_instance.${hostName}.name}`);
    expect(grant.lifecycle.replace_triggered_by).toEqual([`google_compute_instance.${hostName}.instance_id`]);
  });

  it("Terraform plans its replacement with the public host's, and leaves it be when the host is updated in place", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-grant-"));
    const run = async (...args: string[]) => {
      const r = await terraform(dir, args);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return r.stdout;
    };
    /** [address, actions, reason] of the host and the grant, planned for `config` against what was applied. */
    const plan = async (config: string) => {
      writeFileSync(path.join(dir, "main.tf.json"), config);
      await run("plan", "-input=false", "-no-color", "-out=plan.bin");
      const changes = JSON.parse(await run("show", "-json", "-no-color", "plan.bin")).resource_changes;
      return [`terraform_data.${before.hostName}`, "terraform_data.may-start"].map((address) => {
        const change = changes.find((c: any) => c.address === address);
        return [address, change?.change.actions, change?.action_reason];
      });
    };
    const before = synthesized();
    const host = `terraform_data.${before.hostName}`;
    writeFileSync(path.join(dir, "main.tf.json"), model(before));
    await run("init", "-input=false", "-no-color");
    await run("apply", "-auto-approve", "-input=false", "-no-color");
    expect(await plan(model(before))).toEqual([
      [host, ["no-op"], undefined],
      ["terraform_data.may-start", ["no-op"], undefined],
    ]);

    // A changed mirror spec replaces the host (its fingerprint), and so the grant.
    const newSpec = synthesized((c) => void (c.mirror.packages = [...c.mirror.packages, "pluggy"]));
    expect(newSpec.hostName).toBe(before.hostName);
    expect(await plan(model(newSpec))).toEqual([
      [host, ["delete", "create"], "replace_by_triggers"],
      ["terraform_data.may-start", ["delete", "create"], "replace_by_triggers"],
    ]);
    // Without the grant's replace_triggered_by, the host would be replaced and the grant left as it was.
    expect(await plan(model(newSpec, false))).toEqual([
      [host, ["delete", "create"], "replace_by_triggers"],
      ["terraform_data.may-start", ["no-op"], undefined],
    ]);

    // New labels update the host in place: its instance_id stays, and so does the grant.
    const newLabels = synthesized((c) => void (c.labels = { ...c.labels, team: "platform" }));
    expect(await plan(model(newLabels))).toEqual([
      [host, ["update"], undefined],
      ["terraform_data.may-start", ["no-op"], undefined],
    ]);
  });
});
