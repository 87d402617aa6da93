// `npm run docs:security`: writes docs/security.md's generated tables (between their markers) from the code they
// describe (constructs/guardrails/security-doc.ts says which: the guardrail rules, and what else it renders).
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { REGIONS, SECURITY_DOC, withSecurityTables } from "../constructs/guardrails/security-doc";

const file = path.join(__dirname, "..", SECURITY_DOC);
writeFileSync(file, withSecurityTables(readFileSync(file, "utf8")));
process.stdout.write(`wrote ${SECURITY_DOC}'s generated tables: ${Object.keys(REGIONS).join(", ")}\n`);
