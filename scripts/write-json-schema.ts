// `npm run schema`: writes schema/pip-airlock.schema.json and docs/configuration.md's generated
// reference, both from the config's zod schema.
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { configJsonSchemaText, JSON_SCHEMA_FILE, withConfigReference } from "../config/json-schema";

const root = path.join(__dirname, "..");
writeFileSync(path.join(root, JSON_SCHEMA_FILE), configJsonSchemaText());
const readme = path.join(root, "docs", "configuration.md");
writeFileSync(readme, withConfigReference(readFileSync(readme, "utf8")));
process.stdout.write(`wrote ${JSON_SCHEMA_FILE} and docs/configuration.md's reference\n`);
