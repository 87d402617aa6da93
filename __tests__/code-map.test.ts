// docs/development.md's "Where each part lives" stays true: every file it names exists, every class it names is
// exported there, and every construct of the product a stack is built from is named in it.
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { IConstruct } from "constructs";
import { ConstructGroup } from "../constructs/construct-group";
import { buildStack, exampleConfig, fleetSettings, ROOT } from "./support";

const README = readFileSync(path.join(ROOT, "docs", "development.md"), "utf8");
const table = README.slice(README.indexOf("| concept | owner |"), README.indexOf("\n\n", README.indexOf("| concept | owner |")));
const rows = table
  .split("\n")
  .slice(2)
  .map((line) => line.split(" | ")[1] ?? "");

/** [file, class] for each `file` (`Class`) the table names; [path, undefined] for a bare path. */
const owners = rows.flatMap((cell) => [...cell.matchAll(/`([a-z0-9./_-]+)`(?: \(`([A-Za-z]+)`)?/g)].map((m) => [m[1], m[2]] as const));

/** Classes the product's own construct files export. */
const productClasses = new Set(
  readdirSync(path.join(ROOT, "constructs"))
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) => [...readFileSync(path.join(ROOT, "constructs", f), "utf8").matchAll(/^export class (\w+)/gm)].map((m) => m[1])),
);

describe("docs/development.md: where each part lives", () => {
  it("names paths that exist, and each class in the file that exports it", () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const [file, klass] of owners) {
      expect([file, existsSync(path.join(ROOT, file.replace(/:.*$/, "")))]).toEqual([file, true]);
      if (klass)
        expect([file, readFileSync(path.join(ROOT, file), "utf8")]).toEqual([
          file,
          expect.stringMatching(new RegExp(`^export class ${klass}\\b`, "m")),
        ]);
    }
  });

  it("names every construct of the product a stack is built from, down through its groups", () => {
    const { stack } = buildStack(
      exampleConfig((c) => {
        c.fleet = fleetSettings({
          name: "workers",
          size: 2,
          machineType: "e2-small",
          image: "debian-cloud/debian-12",
          accountId: "workers",
        });
        c.repositories.virtual.enabled = true;
      }),
    );
    const parts = (scope: IConstruct): IConstruct[] =>
      scope.node.children.flatMap((child) => [child, ...(ConstructGroup.isGroup(child) ? parts(child) : [])]);
    const used = new Set([stack, ...parts(stack)].map((c) => c.constructor.name).filter((name) => productClasses.has(name)));
    expect(used.size).toBeGreaterThan(10);
    const named = new Set(owners.map(([, klass]) => klass));
    expect([...used].filter((name) => !named.has(name))).toEqual([]);
  });
});
