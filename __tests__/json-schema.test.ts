// schema/pip-airlock.schema.json: generated from the zod schema the synth validates with, committed,
// and fresh; editors validate a config with it ("$schema"), and what it refuses the synth refuses too.
import Ajv2020 from "ajv/dist/2020";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import {
  configJsonSchemaText,
  configReferenceRows,
  JSON_SCHEMA_FILE,
  REFERENCE_END,
  REFERENCE_START,
  withConfigReference,
} from "../config/json-schema";
import { IMAGE_FAMILIES } from "../config/images";
import { ConfigError, loadConfig } from "../config/load";
import { synthesize } from "../synth/synthesize";
import { ASSETS, EXAMPLE_CONFIG, FIXTURES, ROOT } from "./config-support";

const committed = readFileSync(path.join(ROOT, JSON_SCHEMA_FILE), "utf8");
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(committed));

describe("the config's JSON Schema", () => {
  it(`is what the zod schema generates today (run "npm run schema" and commit ${JSON_SCHEMA_FILE})`, () => {
    expect(committed).toBe(configJsonSchemaText());
  });

  it("docs/configuration.md's reference (types, defaults and meanings) is generated from it too (run 'npm run schema')", () => {
    const readme = readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");
    expect(readme).toBe(withConfigReference(readme));
    // Every setting, the nested ones too, with the schema's own default and description.
    expect(readme).toContain("| setting | type | default | meaning |");
    expect(readme).toContain("| `mirror.schedule` | string | none | Mirror mode: re-run the mirror on a unix-cron schedule");
    expect(readme).toContain('| `hosts.keyringVenv` | string | `"/opt/pip-airlock/keyring"` |');
    expect(readme).toContain("| `timeouts.downloadSeconds` | integer | `900` |");
    // The objects, a map's entries and a list's, and the file's own keys have rows too.
    expect(readme).toContain("| `networks.private.manage` | object | `{}` |");
    expect(readme).toContain("| `consumers.NAME.serviceAccounts` | list of string | required with `consumers.NAME` |");
    expect(readme).toContain("| `networks.private.allowEgress.N.protocol` |");
    expect(readme).toContain('| `name` | string | `"airlock"` |');
    expect(readme).toContain("| `environments` | map of settings by name | none |");
    // One reference: the hand-written table that explained the keys a second time is gone.
    expect(readme).not.toContain("## Keys at a glance");
    expect(readme).not.toMatch(/^\| key \| (default \| )?meaning \|$/m);
  });

  describe("every setting says what it means, in the schema (.describe() in config/*.ts), for the reference and for editors", () => {
    const rows = configReferenceRows();

    it("each row of the reference, objects and the fields of a map's or a list's entries included, has a description", () => {
      expect(rows.length).toBeGreaterThan(100);
      expect(
        rows.filter((r) => !r.description?.trim()).map((r) => `${r.setting} has no description: add .describe("...") to it in config/`),
      ).toEqual([]);
    });

    it("each description is one line, and a | in one stays inside its cell", () => {
      expect(rows.filter((r) => /[\r\n]/.test(r.description ?? "")).map((r) => r.setting)).toEqual([]);
      const readme = readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");
      const table = readme
        .slice(readme.indexOf(REFERENCE_START), readme.indexOf(REFERENCE_END))
        .split("\n")
        .filter((l) => l.startsWith("| `"));
      expect(table).toHaveLength(rows.length);
      expect(table.filter((l) => l.replace(/\\\|/g, "").split("|").length !== 6)).toEqual([]);
    });

    it("the JSON Schema carries each description (editors show it on hover), in environments' entries too", () => {
      const schema = JSON.parse(committed);
      const missing: string[] = [];
      const walk = (node: any, at: string) => {
        if (!node || typeof node !== "object") return;
        if (at && node.type === "object" && node.properties && !node.description) missing.push(at);
        for (const [key, child] of Object.entries<any>(node.properties ?? {})) {
          if (!child.description) missing.push(`${at}${at ? "." : ""}${key}`);
          walk(child, `${at}${at ? "." : ""}${key}`);
        }
        if (node.items) walk(node.items, `${at}.N`);
        if (typeof node.additionalProperties === "object") walk(node.additionalProperties, `${at}.NAME`);
        for (const member of node.anyOf ?? []) walk(member, at);
      };
      walk(schema, "");
      expect([...new Set(missing)]).toEqual([]);
      expect(schema.properties.mirror.properties.schedule.description).toBe(rows.find((r) => r.setting === "mirror.schedule")!.description);
      const dev = schema.properties.environments.additionalProperties;
      expect(dev.description).toBeTruthy();
      expect(dev.properties.fleet.properties.healthCheck.properties.port.description).toBe(
        schema.properties.fleet.properties.healthCheck.properties.port.description,
      );
    });
  });

  const configs = [FIXTURES, path.join(ROOT, "config")].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
      .map((f) => path.join(dir, f)),
  );
  it.each(configs.map((f) => path.relative(ROOT, f)))("accepts %s", (file) => {
    const ok = validate(JSON.parse(readFileSync(path.join(ROOT, file), "utf8")));
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  it("refuses what the synth refuses field by field: a misspelt key, a bad enum, a wrong type, a hostile venv path pattern", () => {
    const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    for (const bad of [
      { ...example, mirror: { ...example.mirror, package: ["keyring"] } },
      { ...example, mode: "proxy" },
      { ...example, mirror: { ...example.mirror, stopWhenDone: "yes" } },
      { ...example, hosts: { ...example.hosts, keyringVenv: "/opt/pip-airlock/$(reboot)" } },
      // IAM members by form: a prefix in the wrong case, a bare email (config/iam-member.ts).
      { ...example, repositories: { ...example.repositories, access: { private: { readers: ["Group:ml@example.com"] } } } },
      { ...example, repositories: { ...example.repositories, access: { private: { readers: ["ml@example.com"] } } } },
      { ...example, mirror: { ...example.mirror, scheduleTimeZone: "+02:00" } },
      // Relative paths: not absolute, not leaving the config's folder, no Windows separators.
      { ...example, mirror: { ...example.mirror, lockFile: "/etc/helpers.lock" } },
      { ...example, mirror: { ...example.mirror, lockFile: "../helpers.lock" } },
      { ...example, mirror: { ...example.mirror, lockFile: "locks\\helpers.lock" } },
    ]) {
      expect(validate(bad)).toBe(false);
    }
    // An environment's entry may override a part of a nested object without repeating the rest.
    expect(validate({ ...example, environments: { dev: { networks: { private: { subnetCidr: "10.30.0.0/24" } } } } })).toBe(true);
    // null in an environment's entry removes what the top level set; at the top level it is no value.
    expect(validate({ ...example, fleet: { name: "workers" }, environments: { dev: { fleet: null, mirror: { schedule: null } } } })).toBe(
      true,
    );
    expect(validate({ ...example, fleet: null })).toBe(false);
  });

  it("refuses the images the synth refuses (format, a public project's unknown or refused family, a public host not on Debian) and accepts every known family", () => {
    const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
    const withHosts = (hosts: object) => ({ ...example, hosts: { ...example.hosts, ...hosts } });
    const refusedBySynth = (config: object) => {
      const dir = mkdtempSync(path.join(tmpdir(), "airlock-schema-"));
      writeFileSync(path.join(dir, "c.json"), JSON.stringify(config));
      return (() => {
        try {
          loadConfig(path.join(dir, "c.json"));
          return false;
        } catch (e) {
          return e instanceof ConfigError;
        }
      })();
    };
    for (const bad of [
      withHosts({ image: "ubuntu-2404-lts" }),
      withHosts({ image: "ubuntu-os-cloud/ubuntu-2404-lts" }),
      withHosts({ image: "projects/debian-cloud/global/images/family/debian13" }),
      withHosts({ image: "debian-cloud/debian-11" }),
      withHosts({ publicImage: "ubuntu-os-cloud/ubuntu-2404-lts-amd64" }),
      withHosts({ publicImage: "acme-images/golden" }),
      { ...example, mirror: { ...example.mirror, targets: ["rocky-linux-cloud/rocky-linux-8"] } },
    ]) {
      expect(validate(bad)).toBe(false);
      expect(refusedBySynth(bad)).toBe(true);
    }
    const usable = IMAGE_FAMILIES.filter((f) => !f.refused);
    for (const f of usable) {
      for (const image of [
        `${f.project}/${f.family}`,
        `projects/${f.project}/global/images/family/${f.family}`,
        `https://www.googleapis.com/compute/v1/projects/${f.project}/global/images/${f.imageStem}20260601`,
      ]) {
        expect({ image, ok: validate(withHosts({ image })) }).toEqual({ image, ok: true });
        if (f.debian) expect({ image, ok: validate(withHosts({ publicImage: image })) }).toEqual({ image, ok: true });
      }
    }
    expect(validate(withHosts({ image: "acme-images/golden" }))).toBe(true); // a custom image: its targets are the synth's to check
  });

  it('a config naming it with "$schema" synthesizes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-schema-"));
    const file = path.join(dir, "acme.json");
    writeFileSync(
      file,
      JSON.stringify({ $schema: "../schema/pip-airlock.schema.json", ...JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8")) }),
    );
    expect(synthesize({ configFile: file, outdir: path.join(dir, "cdktf.out"), assetsDir: ASSETS })).toEqual(["airlock"]);
    // Only at the top: inside an environment it is a misspelt setting like any other.
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8")), environments: { dev: { $schema: "x" } } }));
    expect(() => loadConfig(file)).toThrow(ConfigError);
  });
});
