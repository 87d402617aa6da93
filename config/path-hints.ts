import { z } from "zod";

/**
 * A path with Windows' separators (`locks\helpers.lock`): the configs name paths on Linux hosts and in the
 * repository, where `\` separates nothing. Refused first, with the same path written with `/`.
 */
export function withSlashes<T extends z.ZodString>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    if (!value.includes("\\")) return;
    ctx.addIssue({
      code: "custom",
      message: `"${value}" separates folders with "\\", and paths here separate them with "/": use "${value.replace(/^[A-Za-z]:/, "").replace(/\\+/g, "/")}"`,
      continue: false,
    });
  }) as T;
}
