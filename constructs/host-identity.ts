import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { Construct } from "constructs";

export interface HostIdentityProps {
  readonly project: string;
  readonly accountId: string;
  readonly displayName: string;
}

/**
 * A dedicated service account for one identity of the stack (a host, the fleet, the mirror schedule); it
 * holds no project-level roles, only grants on the one resource it needs (repositories, the public host).
 */
export class HostIdentity extends Construct {
  readonly account: ServiceAccount;
  /** IAM member string, `serviceAccount:EMAIL`. */
  readonly member: string;
  readonly email: string;

  constructor(scope: Construct, id: string, props: HostIdentityProps) {
    super(scope, id);
    this.account = new ServiceAccount(this, "account", {
      project: props.project,
      accountId: props.accountId,
      displayName: props.displayName,
    });
    this.email = this.account.email;
    this.member = `serviceAccount:${this.account.email}`;
  }
}
