import { AccessItem } from "./access-item";

type Field = string | readonly string[] | undefined;

const same = (a: Field, b: Field) => JSON.stringify(a) === JSON.stringify(b);
const show = (v: Field) => (v === undefined ? "(none)" : typeof v === "string" ? v : v.length === 0 ? "(none)" : v.join(", "));

/**
 * How one setting changed: `+name=value` (new), `-name=value` (gone), `name: a → b`; for a list that keeps
 * some of its entries, the entries added and removed (`targets: +b, -a`).
 */
function change(field: string, was: Field, now: Field): string {
  if (was === undefined) return `+${field}=${show(now)}`;
  if (now === undefined) return `-${field}=${show(was)}`;
  if (typeof was !== "string" && typeof now !== "string" && was.some((v) => now.includes(v))) {
    return `${field}: ${[...now.filter((v) => !was.includes(v)).map((v) => `+${v}`), ...was.filter((v) => !now.includes(v)).map((v) => `-${v}`)].join(", ")}`;
  }
  return `${field}: ${show(was)} → ${show(now)}`;
}

/**
 * The lines that say how `after` differs from `before`: `+ title: summary` for what is new,
 * `- title: summary` for what is gone, `~ title: change; ...` for what changed, each with the note
 * `notes` holds for its address (`replaced: ...`). Sorted by title; none when nothing differs.
 */
export function diffItems(before: readonly AccessItem[], after: readonly AccessItem[], notes: ReadonlyMap<string, string>): string[] {
  const old = new Map(before.map((item) => [item.key, item]));
  const now = new Map(after.map((item) => [item.key, item]));
  const withNote = (item: AccessItem, line: string) => {
    const note = item.address ? notes.get(item.address) : undefined;
    return note ? `${line} (${note})` : line;
  };
  const describe = (item: AccessItem) => (item.summary ? `${item.title}: ${item.summary}` : item.title);
  const lines: Array<[string, string]> = [];
  for (const [key, item] of now) {
    const was = old.get(key);
    if (!was) {
      lines.push([item.title, `+ ${describe(item)}`]);
      continue;
    }
    const changes = [...new Set([...Object.keys(was.fields), ...Object.keys(item.fields)])]
      .filter((field) => !same(was.fields[field], item.fields[field]))
      .map((field) => change(field, was.fields[field], item.fields[field]));
    if (changes.length > 0) lines.push([item.title, withNote(item, `~ ${item.title}: ${changes.join("; ")}`)]);
  }
  for (const [key, item] of old) if (!now.has(key)) lines.push([item.title, `- ${describe(item)}`]);
  return lines.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1)).map(([, line]) => line);
}
