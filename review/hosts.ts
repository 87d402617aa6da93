import { AccessItem } from "./access-item";
import { StackReader } from "./stack-reader";

/**
 * Every VM and instance template: the service account it runs as (and its scopes), its subnet, and each
 * metadata key (a startup script by its size and sha256: its text is in its own file's diff).
 */
export function hosts(reader: StackReader): AccessItem[] {
  return reader
    .resources("google_compute_instance", "google_compute_instance_template", "google_compute_region_instance_template")
    .map((r) => {
      const c = r.config;
      const account = Array.isArray(c.service_account) ? c.service_account[0] : c.service_account;
      const metadata = Object.fromEntries(
        Object.entries((c.metadata ?? {}) as Record<string, unknown>).map(([key, value]) => [`metadata ${key}`, reader.text(value)]),
      );
      const fields: AccessItem["fields"] = {
        "service account": account ? reader.text(account.email) : "(the project's default)",
        scopes: account ? reader.list(account.scopes) : [],
        subnet: reader.list(((c.network_interface ?? []) as any[]).map((n) => n.subnetwork ?? n.network)),
        ...metadata,
      };
      const keys = Object.keys(c.metadata ?? {})
        .filter((k) => k !== "startup-script")
        .sort()
        .join(", ");
      const script = c.metadata?.["startup-script"] !== undefined ? `; startup-script: ${reader.text(c.metadata["startup-script"])}` : "";
      return {
        key: r.address,
        title: reader.title(r),
        summary: `runs as ${fields["service account"]} (${reader.text(account?.scopes)}) on ${reader.text(fields.subnet)}; metadata ${keys || "(none)"}${script}`,
        fields,
        address: r.address,
      };
    });
}
