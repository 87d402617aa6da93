import { satisfies } from "@renovatebot/pep440";
import { admits, admitsAReleaseIn, ANY, between, compareVersions, intersect, isEmpty, newestAdmitted, parseSpecifier, specifier } from "../config/version-ranges";

const range = (s: string) => {
  const r = parseSpecifier(s);
  if (!r) throw new Error(`invalid: ${s}`);
  return r;
};
/** The versions of `versions` the specifier admits. */
const admitted = (s: string, versions: string[]) => versions.filter((v) => admits(range(s), v));

describe("PEP 440 order", () => {
  it("orders dev < pre < final < post, ignores trailing zeros, and puts epochs first", () => {
    const sorted = ["1.0.dev0", "1.0a1.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1.dev0", "1.0.post1", "1.0.1", "1.1", "2", "1!0.1"];
    expect([...sorted].reverse().sort(compareVersions)).toEqual(sorted);
    expect(compareVersions("25.6", "25.6.0")).toBe(0);
    expect(compareVersions("26.2c1", "26.2rc1")).toBe(0);
  });
});

describe("specifier sets as intervals", () => {
  const versions = ["23.0.1", "23.1", "23.1.0", "23.1.1", "25.2.0", "25.2.1", "25.3.0", "25.4.0", "25.4.0.post1", "25.4.1", "25.6.0", "25.7.0", "26.0", "26.1.2", "26.2", "26.2.1"];

  it.each([
    // inclusive and exclusive bounds
    [">=23.1", ["23.1", "23.1.0", "23.1.1", "25.2.0", "25.2.1", "25.3.0", "25.4.0", "25.4.0.post1", "25.4.1", "25.6.0", "25.7.0", "26.0", "26.1.2", "26.2", "26.2.1"]],
    [">23.1", ["23.1.1", "25.2.0", "25.2.1", "25.3.0", "25.4.0", "25.4.0.post1", "25.4.1", "25.6.0", "25.7.0", "26.0", "26.1.2", "26.2", "26.2.1"]],
    ["<26.2", ["23.0.1", "23.1", "23.1.0", "23.1.1", "25.2.0", "25.2.1", "25.3.0", "25.4.0", "25.4.0.post1", "25.4.1", "25.6.0", "25.7.0", "26.0", "26.1.2"]],
    ["<=25.4.0", ["23.0.1", "23.1", "23.1.0", "23.1.1", "25.2.0", "25.2.1", "25.3.0", "25.4.0"]],
    [">=23.1,<26.2", ["23.1", "23.1.0", "23.1.1", "25.2.0", "25.2.1", "25.3.0", "25.4.0", "25.4.0.post1", "25.4.1", "25.6.0", "25.7.0", "26.0", "26.1.2"]],
    [">25.4.0,<25.7", ["25.4.1", "25.6.0"]],
    // != splits an interval; a post-release of the excluded version stays
    [">=25.2,!=25.4.0,<25.7", ["25.2.0", "25.2.1", "25.3.0", "25.4.0.post1", "25.4.1", "25.6.0"]],
    ["!=25.2.0,!=25.4.0,>=25.2", ["25.2.1", "25.3.0", "25.4.0.post1", "25.4.1", "25.6.0", "25.7.0", "26.0", "26.1.2", "26.2", "26.2.1"]],
    // ~= and ==X.* expansion
    ["~=25.4", ["25.4.0", "25.4.0.post1", "25.4.1", "25.6.0", "25.7.0"]],
    ["~=25.6.0", ["25.6.0"]],
    ["~=23.1.0", ["23.1", "23.1.0", "23.1.1"]],
    ["==25.*", ["25.2.0", "25.2.1", "25.3.0", "25.4.0", "25.4.0.post1", "25.4.1", "25.6.0", "25.7.0"]],
    ["==25.4.*", ["25.4.0", "25.4.0.post1", "25.4.1"]],
    ["!=25.*,>=23.1", ["23.1", "23.1.0", "23.1.1", "26.0", "26.1.2", "26.2", "26.2.1"]],
    // == ignores trailing zeros; === compares the text
    ["==23.1.0", ["23.1", "23.1.0"]],
    ["===23.1", ["23.1"]],
    ["==25.6.0", ["25.6.0"]],
  ])("%s", (spec, expected) => {
    expect(admitted(spec, versions)).toEqual(expected);
  });

  it("admits pre-releases only when a clause names one (not through !=)", () => {
    const pre = ["24.0", "24.1b1", "24.1b2", "24.1", "26.2rc1", "26.2.dev0", "26.2"];
    expect(admitted(">=24.0", pre)).toEqual(["24.0", "24.1", "26.2"]);
    expect(admitted(">=24.1b1", pre)).toEqual(["24.1b1", "24.1b2", "24.1", "26.2rc1", "26.2.dev0", "26.2"]);
    expect(admitted("==24.1b1", pre)).toEqual(["24.1b1"]);
    expect(admitted("!=24.1b1", pre)).toEqual(["24.0", "24.1", "26.2"]);
    // <V admits no pre-release of V itself, even where pre-releases are admitted.
    expect(admitted(">=24.1b1,<26.2", pre)).toEqual(["24.1b1", "24.1b2", "24.1"]);
    expect(admitted("<26.2rc2", pre)).toEqual(["24.0", "24.1b1", "24.1b2", "24.1", "26.2rc1", "26.2.dev0"]);
    expect(newestAdmitted(range(">=24"), ["24.0", "24.1b1"])).toBe("24.0");
  });

  it("agrees with @renovatebot/pep440 on final releases", () => {
    const specs = [">=23.1", ">23.1", "<26.2", "<=25.4.0", "~=25.4", "~=25.6.0", "==25.*", "!=25.4.0", ">=25.2,!=25.4.*,<26", "==26.2.1", ">=1!0"];
    const finals = ["23.0.1", "23.1", "23.1.1", "25.0", "25.4.0", "25.4.1", "25.6.0", "25.6.9", "25.7.0", "26.0", "26.2", "26.2.1", "27.0", "1!0.5"];
    for (const spec of specs) for (const v of finals) expect([spec, v, admits(range(spec), v)]).toEqual([spec, v, satisfies(v, spec)]);
  });

  it("intersects ranges and knows when one is empty", () => {
    expect(isEmpty(intersect(range(">=26.2"), range("<26.2")))).toBe(true);
    expect(isEmpty(intersect(range("<=25.4.0"), range(">25.4.0")))).toBe(true);
    expect(isEmpty(intersect(range(">=25.4.0"), range("<=25.4.0")))).toBe(false);
    expect(isEmpty(range("==25.2.0,!=25.2.0"))).toBe(true);
    expect(isEmpty(range("==25.*,>=26"))).toBe(true);
    expect(isEmpty(range("===a,===b"))).toBe(true);
    expect(isEmpty(range("===not-a-version"))).toBe(true);
    expect(isEmpty(intersect(range("<23"), range(">=23.1")))).toBe(true);
    expect(isEmpty(intersect(range(">=23.1,<26.2"), range(">=26.2")))).toBe(true);
    expect(isEmpty(intersect(range(">=23.1,<=26.2"), range(">=26.2")))).toBe(false);
    // != leaves both sides: the range is one interval below and one above
    expect(range(">=25,!=25.4.0,<26").intervals).toHaveLength(2);
    expect(range("!=25.2.0,!=25.4.0").intervals).toHaveLength(3);
    expect(range(">=25,<27,>=24,<26").intervals).toHaveLength(1);
    expect(ANY.intervals).toEqual([{}]);
    expect(parseSpecifier("")).toEqual(ANY);
  });

  it("refuses what PEP 440 refuses", () => {
    for (const bad of ["~=25", ">=25.*", "~=25.*", "<1.0+local", "abc", ">=", "==25.4.0.dev1.*", "=>25"]) expect([bad, parseSpecifier(bad)]).toEqual([bad, undefined]);
    for (const good of ["==1.0+local", "===anything", "== 25.6.0", ">=1!2.0", "!=25.4.*", "~=1.0rc1"]) expect(parseSpecifier(good)).toBeDefined();
  });

  it("finds the newest release a range admits, and whether it admits one a table does not list", () => {
    const releases = ["25.2.0", "25.2.1", "25.4.0", "25.4.1", "25.6.0", "25.7.0"];
    expect(newestAdmitted(range("<=25.4.0"), releases)).toBe("25.4.0");
    expect(newestAdmitted(range("==25.6.0"), releases)).toBe("25.6.0");
    expect(newestAdmitted(range(">25.7.0"), releases)).toBeUndefined();
    const later = between("25.7.0", undefined);
    expect(admitsAReleaseIn(range(""), later)).toBe(true);
    expect(admitsAReleaseIn(range("<25.8"), later)).toBe(true);
    expect(admitsAReleaseIn(range("==25.8.0"), later)).toBe(true);
    expect(admitsAReleaseIn(range("<=25.7.0"), later)).toBe(false);
    expect(admitsAReleaseIn(range("==25.6.0"), later)).toBe(false);
    expect(admitsAReleaseIn(range("~=25.6.0"), later)).toBe(false);
    expect(admitsAReleaseIn(range("~=25.6"), later)).toBe(true);
    expect(admitsAReleaseIn(range(">25.7.0,<25.7.0.1"), later)).toBe(false);
    expect(admitsAReleaseIn(range(">=25.8.0rc1,<=25.8.0rc2"), later)).toBe(true);
    expect(admitsAReleaseIn(range("==25.8.0.dev0"), later)).toBe(true);
    // <25.8.0 admits no pre-release of 25.8.0, so this names pre-releases but admits none
    expect(admitsAReleaseIn(range(">=25.8.0rc1,<25.8.0"), later)).toBe(false);
    expect(admitsAReleaseIn(range("<25.8.0,>25.7.99"), later)).toBe(true);
    expect(admitsAReleaseIn(range("==25.*"), between("21.7.0", "21.14.1"))).toBe(false);
    expect(admitsAReleaseIn(range("<21.14"), between("21.7.0", "21.14.1"))).toBe(true);
    expect(admitsAReleaseIn(range("===21.10.0"), between("21.7.0", "21.14.1"))).toBe(true);
    expect(admitsAReleaseIn(specifier("<20"), between(undefined, "20.0.0"))).toBe(true);
  });
});
