import { z } from "zod";
import { retiredKey } from "./retired-keys";
import { configFileSchema } from "./schema";
import { didYouMean, knownKeys } from "./suggest";

/** zod's type names as a reader says them (zod 4 calls a record "record"). */
const TYPE_WORDS: Record<string, string> = {
  object: "an object",
  record: "an object",
  array: "an array (a list in [ ])",
  string: "a string (in double quotes)",
  int: "a whole number",
};

/** zod's issues with a config checked against `schema`, one line each: the field path and the fix. */
export function describeIssues(error: z.ZodError, schema: z.ZodType): string[] {
  return error.issues.flatMap((issue) => describeIssue(issue, schema).split("\n"));
}

function describeIssue(issue: z.ZodError["issues"][number], schema: z.ZodType): string {
  const where = issue.path.length ? issue.path.join(".") : "(top level)";
  if (issue.code === "unrecognized_keys") {
    const prefix = issue.path.length ? `${issue.path.join(".")}.` : "";
    const known = [...knownKeys(schema, issue.path), ...(issue.path.length === 0 ? Object.keys(configFileSchema.shape) : [])];
    return issue.keys
      .map((k) => {
        const retired = retiredKey(issue.path, k, issue.input);
        if (retired) return `${prefix}${k}: ${retired}`;
        const meant = didYouMean(k, known);
        return `${prefix}${k}: unknown key: ${meant ? `did you mean "${meant}"?` : "remove it or check its spelling"}`;
      })
      .join("\n");
  }
  if (issue.code === "invalid_key") {
    return `${where}: ${issue.issues.map((i) => i.message).join("; ")}`;
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return `${where}: is required: add it (see docs/configuration.md)`;
  }
  if (issue.code === "invalid_type") {
    return `${where}: must be ${TYPE_WORDS[issue.expected] ?? `a ${issue.expected}`}`;
  }
  if (issue.code === "invalid_value" && "values" in issue) {
    return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return `${where}: ${issue.message}`;
}
