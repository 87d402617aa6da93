// docs/operations.md's outputs table is checked against the code, so that it cannot drift: the outputs
// (every output of every mode, with where it exists). The troubleshooting table names the host agent's
// steps, which live in agent/: its check belongs with the agent's tests (agent/tests).
import { readFileSync } from "fs";
import * as path from "path";
import { buildStack, exampleConfig, fleetSettings, ROOT, synthJson } from "./support";

const README = readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");

/** Rows of the docs/operations.md table whose header starts with `firstColumn`. */
function tableRows(firstColumn: string): string[][] {
  const lines = README.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`| ${firstColumn} |`));
  if (start < 0) throw new Error(`no docs/operations.md table starting with "| ${firstColumn} |"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const codeNames = (cell: string) => [...cell.matchAll(/`([a-z0-9_-]+(?:NAME)?)`/g)].map((m) => m[1]);
/** The documented name of an output: itself, or `consumer_NAME` for a consumer's. */
const documentedName = (output: string) => (output.startsWith("consumer_") ? "consumer_NAME" : output);

describe("docs/operations.md: the outputs table lists every output of every shape, and where it exists", () => {
  const shapes: Array<[string, (c: any) => void]> = [
    [
      "mirror, everything on",
      (c) => (
        (c.fleet = fleetSettings({ name: "workers", size: 2 })),
        (c.repositories.virtual.enabled = true),
        (c.mirror.schedule = "0 3 * * 1")
      ),
    ],
    ["mirror, plain", (c) => delete c.mirror.schedule],
    [
      "remote, everything on",
      (c) => ((c.mode = "remote"), (c.fleet = fleetSettings({ name: "workers", size: 2 })), (c.repositories.virtual.enabled = true)),
    ],
    [
      "remote, no private host, a template only",
      (c) => ((c.mode = "remote"), (c.hosts.createPrivateHost = false), (c.fleet = fleetSettings({ name: "workers" }))),
    ],
    [
      "mirror, consumers",
      (c) =>
        (c.consumers = {
          "rocky-team": { serviceAccounts: ["rocky-vms@acme-rocky.iam.gserviceaccount.com"], repositories: ["auth", "private"] },
        }),
    ],
  ];
  const documented = new Map<string, string>();
  for (const [names, modes] of tableRows("output")) for (const name of codeNames(names)) documented.set(name, modes);

  it.each(shapes)("%s", (_shape, edit) => {
    const config = exampleConfig(edit as any);
    const outputs = Object.keys(synthJson(buildStack(config).stack).output ?? {}).map(documentedName);
    const undocumented = outputs.filter((o) => !documented.has(o));
    expect(undocumented).toEqual([]);
    for (const output of outputs) {
      const where = documented.get(output)!;
      expect([output, where.startsWith("both") || where.startsWith(config.mode)]).toEqual([output, true]);
    }
  });

  it("documents no output that no shape has", () => {
    const all = new Set(
      shapes.flatMap(([, edit]) => Object.keys(synthJson(buildStack(exampleConfig(edit as any)).stack).output ?? {}).map(documentedName)),
    );
    expect([...documented.keys()].filter((o) => !all.has(o))).toEqual([]);
  });
});
