/** One thing that decides access, as the review compares it between two synths. */
export interface AccessItem {
  /** What identifies it in both synths: a Terraform address, or for a grant the grant itself. */
  readonly key: string;
  /** How a reviewer names it: `firewall airlock-private-allow-iap-ssh`. */
  readonly title: string;
  /** What it is, on one line, when it is added or removed (empty: the title says it all). */
  readonly summary: string;
  /** Its settings by name, each as text or a list of texts: a change shows each setting that changed. */
  readonly fields: Readonly<Record<string, string | readonly string[]>>;
  /** Its Terraform address, where a note on its replacement applies. */
  readonly address?: string;
}

/** The review's sections, each a kind of access, in the order a reviewer reads them. */
export interface AccessSection {
  readonly heading: string;
  readonly items: readonly AccessItem[];
}
