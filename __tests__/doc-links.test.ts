// The README is a newcomer's first screen and the index of docs/: every link between the documents lands on a
// file that exists and a heading it has, so a moved or renamed section fails here, not in a reader's browser.
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { ROOT } from "./config-support";

const DOCS = [
  "README.md",
  "CHANGELOG.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** Markdown outside fenced code blocks (a `[x](y)` in a code sample is not a link). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  return anchors;
}

function links(file: string): { target: string; text: string }[] {
  const text = prose(readFileSync(path.join(ROOT, file), "utf8"));
  return [...text.matchAll(/\[([^\]]+)\]\(([^)\s]+)\)/g)]
    .map((m) => ({ text: m[1], target: m[2] }))
    .filter((l) => !/^[a-z]+:/.test(l.target));
}

describe.each(DOCS)("%s", (file) => {
  it("links only to files that exist and headings they have", () => {
    const broken = links(file).flatMap(({ target, text }) => {
      const [filePart, anchor] = target.split("#");
      const linked = filePart ? path.normalize(path.join(path.dirname(file), filePart)) : file;
      if (!existsSync(path.join(ROOT, linked))) return [`[${text}](${target}): no file ${linked}`];
      if (anchor && linked.endsWith(".md") && !anchorsOf(readFileSync(path.join(ROOT, linked), "utf8")).has(anchor)) {
        return [`[${text}](${target}): ${linked} has no heading #${anchor}`];
      }
      return [];
    });
    expect(broken).toEqual([]);
  });
});

describe("the README, a newcomer's first screen", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

  it("is at most about 200 lines: what it is, requirements, the two commands, the mode to choose, a short deploy, links", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
    for (const heading of ["## Requirements", "## Choosing mirror or remote mode", "## Deploy, in short", "## Documentation"]) {
      expect(readme).toContain(`\n${heading}\n`);
    }
  });

  it("links every document of docs/, so none is left for a reader to stumble on", () => {
    const linked = new Set(links("README.md").map((l) => l.target.split("#")[0]));
    const docs = readdirSync(path.join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`);
    expect(docs.filter((doc) => !linked.has(doc))).toEqual([]);
  });

  it("says the requirements before the deploy: Node, Terraform, credentials", () => {
    const requirements = readme.slice(readme.indexOf("## Requirements"), readme.indexOf("## Deploy, in short"));
    expect(requirements).toMatch(/Node 20/);
    expect(requirements).toMatch(/Terraform 1\.5/);
    expect(requirements).toMatch(/application-default/);
  });
});
