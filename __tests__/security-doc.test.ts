// docs/security.md's generated tables (guardrail rules, the deploying identity's roles, organization policy
// constraints) are what `npm run docs:security` writes from the code today, and every guardrail rule carries what
// its row needs: a level, what it fires on, and why.
import { readFileSync } from "fs";
import * as path from "path";
import { GUARDRAIL_RULES } from "../constructs/guardrails";
import {
  cell,
  RegionName,
  REGIONS,
  regionEnd,
  regionStart,
  SECURITY_DOC,
  withRegion,
  withSecurityTables,
} from "../constructs/guardrails/security-doc";
import { ROOT } from "./config-support";

const doc = readFileSync(path.join(ROOT, SECURITY_DOC), "utf8");

/** A text's sentences: split after a full stop that a space and a capital letter or a backquote follow. */
const sentences = (text: string) => text.split(/(?<=[.!?])\s+(?=[A-Z`])/);

describe("docs/security.md's generated tables", () => {
  it.each(Object.keys(REGIONS) as RegionName[])("%s: has its markers once, and is what npm run docs:security writes today", (name) => {
    expect(doc.split(regionStart(name)).length - 1).toBe(1);
    expect(doc.split(regionEnd(name)).length - 1).toBe(1);
    const region = (text: string) => text.slice(text.indexOf(regionStart(name)), text.indexOf(regionEnd(name)));
    expect(region(doc)).toBe(region(withRegion(doc, name)));
  });

  it('is fresh as a whole (run "npm run docs:security" and commit docs/security.md)', () => {
    expect(doc).toBe(withSecurityTables(doc));
  });

  it("the guardrails table has one row per rule, in order, with its level and its explanation", () => {
    const rows = doc
      .slice(doc.indexOf(regionStart("guardrails")), doc.indexOf(regionEnd("guardrails")))
      .split("\n")
      .filter((l) => /^\| AIRLOCK-/.test(l));
    expect(rows.map((r) => r.split(" | ")[0].slice(2))).toEqual(GUARDRAIL_RULES.map((r) => `${r.id} ${r.name}`));
    for (const [i, rule] of GUARDRAIL_RULES.entries()) {
      expect(rows[i]).toContain(`| ${rule.level} |`);
      expect(rows[i]).toContain(cell(rule.explanation));
    }
  });

  it("a table cell never breaks its row: no line break, no bare |", () => {
    expect(cell("a | b\nc")).toBe("a \\| b c");
    expect(cell("a \\| b")).toBe("a \\| b");
  });
});

describe("every guardrail rule carries its level and explanation next to its check, as cdk-nag's rules do", () => {
  it.each(GUARDRAIL_RULES.map((r) => [`${r.id} ${r.name}`, r] as const))("%s", (_, rule) => {
    expect(rule.level).toBe("error"); // every finding fails the synth today (check.ts), none is advisory
    expect(typeof rule.check).toBe("function");
    expect(rule.info?.trim().length ?? 0).toBeGreaterThan(10);
    expect(rule.explanation?.trim().length ?? 0).toBeGreaterThan(40);
    expect(rule.explanation).toMatch(/[.]$/);
    expect(sentences(rule.explanation).length).toBeGreaterThanOrEqual(1);
    expect(sentences(rule.explanation).length).toBeLessThanOrEqual(3);
    if (rule.fix !== undefined) expect(rule.fix).toMatch(/^[A-Z`].*[.]$/);
  });

  it("ids are unique and numbered in order", () => {
    expect(GUARDRAIL_RULES.map((r) => r.id)).toEqual(GUARDRAIL_RULES.map((_, i) => `AIRLOCK-G${i + 1}`));
  });
});
