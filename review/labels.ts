import { AccessItem } from "./access-item";
import { StackReader } from "./stack-reader";

/** Every resource's labels (a label change shows on each resource it touches), one field per label. */
export function labels(reader: StackReader): AccessItem[] {
  return reader.resourcesMatching(/./).flatMap((r) => {
    const own = r.config.labels;
    if (!own || typeof own !== "object" || Array.isArray(own)) return [];
    const fields = Object.fromEntries(Object.entries(own as Record<string, unknown>).map(([k, v]) => [k, reader.text(v)]));
    const summary = Object.entries(fields)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    return [{ key: r.address, title: reader.title(r), summary, fields, address: r.address }];
  });
}
