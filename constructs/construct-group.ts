import { Construct, IConstruct } from "constructs";

const GROUP = Symbol.for("pip-airlock.construct-group");

/**
 * A construct that groups the parts of one concept of the stack (the mirror side, the repositories)
 * without taking part in their Terraform addresses: the stack's naming scheme leaves groups out when it
 * names a resource (address-scheme.ts), so moving resources into or out of a group never moves them in a
 * team's state (which would destroy and re-create them on the next deploy). Their construct paths
 * (errors, metadata) do show it.
 */
export class ConstructGroup extends Construct {
  static isGroup(x: IConstruct): x is ConstructGroup {
    return (x as { [GROUP]?: boolean })[GROUP] === true;
  }

  constructor(scope: Construct, id: string) {
    super(scope, id);
    Object.defineProperty(this, GROUP, { value: true });
  }
}
