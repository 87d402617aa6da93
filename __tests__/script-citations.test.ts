// What the rendered scripts carry (the agent, the templates) cites only documents a reader of this repository has.
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { ROOT } from "./config-support";

const sources = [
  ...readdirSync(path.join(ROOT, "agent", "pip_airlock_agent"))
    .filter((f) => f.endsWith(".py"))
    .map((f) => path.join("agent", "pip_airlock_agent", f)),
  ...readdirSync(path.join(ROOT, "assets")).map((f) => path.join("assets", f)),
];

it.each(sources)("%s cites no Markdown file the repository lacks", (file) => {
  const cited = [...readFileSync(path.join(ROOT, file), "utf8").matchAll(/\b([A-Za-z][\w/-]*\.md)\b/g)].map((m) => m[1]);
  expect(cited.filter((doc) => !existsSync(path.join(ROOT, doc)))).toEqual([]);
});
