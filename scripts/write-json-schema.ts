// `npm run schema`: writes config/pip-airlock.schema.json from the config's zod schema.
import { writeFileSync } from "fs";
import * as path from "path";
import { configJsonSchemaText, JSON_SCHEMA_FILE } from "../config/json-schema";

writeFileSync(path.join(__dirname, "..", JSON_SCHEMA_FILE), configJsonSchemaText());
process.stdout.write(`wrote ${JSON_SCHEMA_FILE}\n`);
