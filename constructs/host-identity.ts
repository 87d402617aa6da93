import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { Construct } from "constructs";
import { Access, Grantee } from "./python-repository";

export interface HostIdentityProps {
  readonly project: string;
  readonly accountId: string;
  readonly displayName: string;
  /** Names the identity's repository grants, `<grantName>-reader` / `-writer` (e.g. `private-host`). */
  readonly grantName: string;
}

/**
 * A dedicated service account for one identity of the stack (a host, the fleet, the mirror schedule); it
 * holds no project-level roles, only grants on the one resource it needs (repositories, the public host).
 */
export class HostIdentity extends Construct implements Grantee {
  readonly account: ServiceAccount;
  /** IAM member string, `serviceAccount:EMAIL`. */
  readonly member: string;
  readonly email: string;
  private readonly grantName: string;

  constructor(scope: Construct, id: string, props: HostIdentityProps) {
    super(scope, id);
    this.account = new ServiceAccount(this, "account", {
      project: props.project,
      accountId: props.accountId,
      displayName: props.displayName,
    });
    this.email = this.account.email;
    this.member = `serviceAccount:${this.account.email}`;
    this.grantName = props.grantName;
  }

  grantId(access: Access): string {
    return `${this.grantName}-${access}`;
  }
}
