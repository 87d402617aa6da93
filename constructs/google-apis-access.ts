/** Private Google Access endpoints: the VIPs and the DNS names that must resolve to them. */
export type GoogleApisVip = "private" | "restricted";

export interface VipSpec {
  /** The VIP host name the zones point at, e.g. `private.googleapis.com.`. */
  readonly hostName: string;
  /** The /30 range routed to Google's front ends. */
  readonly cidr: string;
  /** The four addresses of the range, for A records. */
  readonly addresses: readonly string[];
}

export const GOOGLE_APIS_VIPS: Record<GoogleApisVip, VipSpec> = {
  private: {
    hostName: "private.googleapis.com.",
    cidr: "199.36.153.8/30",
    addresses: ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"],
  },
  restricted: {
    hostName: "restricted.googleapis.com.",
    cidr: "199.36.153.4/30",
    addresses: ["199.36.153.4", "199.36.153.5", "199.36.153.6", "199.36.153.7"],
  },
};

/** IAP TCP forwarding's source range: the only one allowed to reach SSH. */
export const IAP_SSH_SOURCE_RANGE = "35.235.240.0/20";
