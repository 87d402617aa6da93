import { distance } from "fastest-levenshtein";
import { z } from "zod";

/** The keys an object schema accepts at `at` (a path of keys), or [] where it takes any key or none. */
export function knownKeys(schema: z.ZodType, at: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (const key of [...at, undefined]) {
    // Look through the wrappers: transforms (pipe), optional, default, prefault, nullable.
    for (let def: any = node?._zod.def; def && (def.in || def.innerType); def = node?._zod.def) node = def.in ?? def.innerType;
    if (key === undefined) break;
    node = node instanceof z.ZodObject ? (node.shape as Record<string, z.ZodType>)[String(key)] : undefined;
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

/** The known key a mistyped one most likely meant (case, a letter or two, or a swap), or undefined. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const scored = known.map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : distance(k, key) }));
  const best = scored.sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 4)) ? best.k : undefined;
}
