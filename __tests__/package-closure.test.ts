import { dependencyClosure, topLevelFolders } from "./package-closure";

const packages = {
  "node_modules/app-lib": {
    dependencies: { a: "^1" },
    peerDependencies: { host: "^2", extra: "^1" },
    peerDependenciesMeta: { extra: { optional: true } },
  },
  "node_modules/a": { dependencies: { b: "^1", c: "^1" }, optionalDependencies: { "fsevents-like": "^1" } },
  "node_modules/a/node_modules/b": {},
  "node_modules/b": { dependencies: { unused: "^1" } },
  "node_modules/unused": {},
  "node_modules/@scope/c": {},
  "node_modules/c": { dependencies: { "@scope/c": "^1" } },
  "node_modules/host": {},
  "node_modules/other": {},
};

describe("dependencyClosure", () => {
  it("follows dependencies and peers from the nearest node_modules up, and leaves out what nothing needs", () => {
    expect(dependencyClosure(packages, ["app-lib"])).toEqual([
      "node_modules/@scope/c",
      "node_modules/a",
      "node_modules/a/node_modules/b",
      "node_modules/app-lib",
      "node_modules/c",
      "node_modules/host",
    ]);
  });

  it("fails on a required dependency that is not installed, naming it", () => {
    expect(() => dependencyClosure({ "node_modules/x": { dependencies: { gone: "^1" } } }, ["x"])).toThrow(
      "node_modules/x depends on gone, which is not installed: run npm ci",
    );
    expect(() => dependencyClosure({ "node_modules/x": { peerDependencies: { gone: "^1" } } }, ["x"])).toThrow(/gone/);
    expect(() => dependencyClosure(packages, ["missing"])).toThrow("missing is not installed: run npm ci");
  });
});

describe("topLevelFolders", () => {
  it("gives each package's folder at the top of node_modules, scoped ones with their scope", () => {
    expect(topLevelFolders(dependencyClosure(packages, ["app-lib"]))).toEqual([
      "node_modules/@scope/c",
      "node_modules/a",
      "node_modules/app-lib",
      "node_modules/c",
      "node_modules/host",
    ]);
  });
});
