import { admits, atLeast, isSpecifier, isVersion, pinnedVersions, sameVersion } from "../config/version-ranges";

describe("PEP 440 versions (@renovatebot/pep440)", () => {
  it("orders dev < pre < final < post, ignores trailing zeros, and puts epochs first", () => {
    const sorted = [
      "1.0.dev0",
      "1.0a1.dev1",
      "1.0a1",
      "1.0b2",
      "1.0rc1",
      "1.0",
      "1.0.post1.dev0",
      "1.0.post1",
      "1.0.1",
      "1.1",
      "2",
      "1!0.1",
    ];
    for (let i = 1; i < sorted.length; i++)
      expect([sorted[i - 1], sorted[i], atLeast(sorted[i - 1], sorted[i])]).toEqual([sorted[i - 1], sorted[i], false]);
    expect(sameVersion("25.6", "25.6.0")).toBe(true);
    expect(sameVersion("26.2c1", "26.2rc1")).toBe(true);
    expect(sameVersion("25.4.0.post1", "25.4.0")).toBe(false);
    expect(sameVersion("latest", "latest")).toBe(false);
    expect([isVersion("25.7.0"), isVersion("1!2.0rc1.post3.dev4"), isVersion("latest")]).toEqual([true, true, false]);
  });

  it("refuses specifiers PEP 440 refuses", () => {
    for (const bad of ["~=25", ">=25.*", "~=25.*", "<1.0+local", "abc", ">=", "=>25"])
      expect([bad, isSpecifier(bad)]).toEqual([bad, false]);
    for (const good of ["", "==1.0+local", "===anything", "== 25.6.0", ">=1!2.0", "!=25.4.*", "~=1.0rc1", ">=23.1,<26.2"])
      expect([good, isSpecifier(good)]).toEqual([good, true]);
  });
});

describe("pinnedVersions", () => {
  it.each<[string, string[]]>([
    ["==25.2.0", ["25.2.0"]],
    ["===25.4.0", ["25.4.0"]],
    ["== 25.4", ["25.4"]],
    [">=25,==25.2.0", ["25.2.0"]],
    ["==25.*", []],
    [">=25.2,<25.2.1", []],
    ["~=25.4.0", []],
    ["", []],
    // a pin the rest of the set excludes pins nothing the mirror could get
    ["==25.2.0,!=25.2.0", []],
  ])("%s pins %j", (spec, pinned) => {
    expect(pinnedVersions(spec)).toEqual(pinned);
  });
});

describe("admits", () => {
  it.each<[string, { from?: string; below?: string }, boolean]>([
    ["", { from: "23.1" }, true],
    [">=23.1", { from: "23.1" }, true],
    ["<23", { from: "23.1" }, false],
    ["<=23.0.1", { from: "23.1" }, false],
    ["<23.1", { from: "23.1" }, false],
    ["<=23.1", { from: "23.1" }, true],
    ["==22.*", { from: "23.1" }, false],
    ["==23.*", { from: "23.1" }, true],
    ["~=22.3", { from: "23.1" }, false], // >=22.3, ==22.*
    ["~=23.0", { from: "23.1" }, true],
    ["~=22.3.0", { from: "23.1" }, false],
    [">23.1,<23.2", { from: "23.1" }, true],
    ["!=23.1,<23.1.1", { from: "23.1" }, false], // only versions no project releases (23.1.0.1, 23.1.post1)
    [">=25,<24", { from: "23.1" }, false],
    ["===23.1", { from: "23.1" }, true],
    ["===23.0", { from: "23.1" }, false],
    ["==26.2rc1", { from: "23.1" }, true], // a clause naming a pre-release admits pre-releases
    [">=1!0", { from: "23.1" }, true],
    // below: by release, a pre-release of 26.2 is 26.2
    [">=26.2", { below: "26.2" }, false],
    [">26.1.9", { below: "26.2" }, true],
    [">=26.2rc1", { below: "26.2" }, false],
    ["!=26.2", { below: "26.2" }, true],
    ["==26.2.1", { below: "26.2" }, false],
    ["<25", { from: "25.2.1" }, false],
    ["<25.2.1", { from: "25.2.1" }, false],
    ["<=25.2.1", { from: "25.2.1" }, true],
    ["~=25.2.0", { from: "25.2.1" }, true],
    [">=24", { from: "25.2.1", below: "25.3" }, true],
    [">=25.3", { from: "25.2.1", below: "25.3" }, false],
  ])("%s admits a version %j: %s", (spec, bounds, expected) => {
    expect(admits(spec, bounds)).toBe(expected);
  });
});
