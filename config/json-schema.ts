import { z } from "zod";
import { environmentSchema } from "./schema";

/** Where the generated schema lives, next to the configs that name it with `"$schema"`. */
export const JSON_SCHEMA_FILE = "config/pip-airlock.schema.json";

/**
 * The JSON Schema of a config file, generated from the zod schema the synth validates with (so its
 * patterns, enums and defaults cannot drift from it): the settings of one environment, `name`, and
 * `environments` whose entries may override any of those settings. Checks that span fields (a zone in
 * its region, targets against images) stay the synth's: a schema cannot say them.
 */
export function configJsonSchema(): Record<string, unknown> {
  const env = z.toJSONSchema(environmentSchema, { io: "input", unrepresentable: "any" }) as Record<string, any>;
  const { $schema: draft, required: _required, ...settings } = env;
  // An environment's entry may override any part: nothing in it is required.
  const overrides = withoutRequired(settings);
  return {
    $schema: draft,
    title: "pip-airlock config",
    description: "One environment's settings at the top level; `environments` makes one stack each, its entries overriding the top-level settings (objects key by key, lists replaced).",
    ...settings,
    properties: {
      $schema: { type: "string", description: "This schema, for editors: ./pip-airlock.schema.json" },
      name: { type: "string", pattern: "^[a-z][a-z0-9-]{0,30}$", default: "airlock", description: "Stack name when there are no environments" },
      ...settings.properties,
      environments: { type: "object", propertyNames: { pattern: "^[a-z][a-z0-9-]{0,30}$" }, additionalProperties: overrides, description: "One stack per entry; each overrides the top-level settings" },
    },
  };
}

function withoutRequired(node: unknown): any {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).filter(([k]) => k !== "required").map(([k, v]) => [k, withoutRequired(v)]));
  }
  return node;
}

/** The schema file's text: stable JSON, two-space indented, with a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
