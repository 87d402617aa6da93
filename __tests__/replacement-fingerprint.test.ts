import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { buildStack, exampleConfig, hostByRole, synthJson } from "./support";
import { terraform } from "./terraform";

/** A host's lifecycle and the fingerprint resources, as synthesized for `config`. */
function fingerprintAndHost(edit?: Parameters<typeof exampleConfig>[0], role: "mirror" | "bootstrap" = "mirror") {
  const json = synthJson(buildStack(exampleConfig(edit)).stack);
  const fingerprints = json.resource.terraform_data;
  const host = hostByRole(json, role);
  return { fingerprints, host };
}

/**
 * Terraform's own plan, with the public host stood in for by a built-in `terraform_data` that carries
 * the synthesized host's lifecycle verbatim (the google provider cannot be downloaded here).
 */
function configWith(fingerprints: Record<string, any>, hostLifecycle: unknown): string {
  // depends_on (the API propagation wait) names resources of providers that cannot be had here.
  const standalone = Object.fromEntries(Object.entries(fingerprints).map(([name, { depends_on: _d, ...r }]) => [name, r]));
  return JSON.stringify({ resource: { terraform_data: { ...standalone, public_host: { input: "vm", lifecycle: hostLifecycle } } } });
}

describe.each([
  [
    "mirror",
    "the public host",
    "the mirror spec",
    (c: any): void => void (c.mirror.packages = [...c.mirror.packages, "pluggy"]),
    "mirror_spec_sha256",
  ],
  [
    "bootstrap",
    "the private host",
    "the bootstrap (its index URL)",
    (c: any): void => void (c.repositories.private = "other-private-repo"),
    "bootstrap_sha256",
  ],
] as const)("the %s fingerprint", (role, hostName, what, edit, key) => {
  it(`${hostName}'s replace_triggered_by names its fingerprint resource as a static reference`, () => {
    const { fingerprints, host } = fingerprintAndHost(undefined, role);
    const mine = Object.entries(fingerprints)
      .filter(([, r]) => key in r.triggers_replace)
      .map(([name]) => name);
    expect(mine).toHaveLength(1);
    expect(host.lifecycle.replace_triggered_by).toEqual([`terraform_data.${mine[0]}`]);
  });

  it(`changing ${what} makes Terraform plan a replacement of ${hostName}; an unchanged one plans nothing`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-fingerprint-"));
    const before = fingerprintAndHost(undefined, role);
    const after = fingerprintAndHost(edit, role);
    const run = async (...args: string[]) => {
      const r = await terraform(dir, args);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return r.stdout;
    };
    writeFileSync(path.join(dir, "main.tf.json"), configWith(before.fingerprints, before.host.lifecycle));
    await run("init", "-input=false", "-no-color");
    await run("apply", "-auto-approve", "-input=false", "-no-color");
    const plan = async () => {
      await run("plan", "-input=false", "-no-color", "-out=plan.bin");
      return JSON.parse(await run("show", "-json", "-no-color", "plan.bin")).resource_changes.map((c: any) => [
        c.address,
        c.change.actions,
      ]);
    };
    expect(await plan()).toEqual(expect.arrayContaining([["terraform_data.public_host", ["no-op"]]]));

    writeFileSync(path.join(dir, "main.tf.json"), configWith(after.fingerprints, after.host.lifecycle));
    expect(Object.keys(after.fingerprints)).toEqual(Object.keys(before.fingerprints));
    const changes = await plan();
    expect(changes).toContainEqual(["terraform_data.public_host", ["delete", "create"]]);
  });
});
