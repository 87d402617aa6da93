import { TerraformElement, TerraformStack } from "cdktf";
import { IConstruct, Node } from "constructs";
import { ConstructGroup } from "./construct-group";
import { sharedAddresses } from "./unique-addresses";

const INSTALLED = Symbol.for("pip-airlock.address-scheme");

/** Groups whose own id stays in the addresses of what they hold (a PipAirlock in a team's stack). */
const named = new WeakSet<IConstruct>();

type Naming = (element: TerraformElement | Node) => string;

/** Keep `group`'s id in the Terraform addresses of the elements it holds, although it is a ConstructGroup. */
export function keepInAddresses(group: ConstructGroup): void {
  named.add(group);
}

/**
 * Name every element of `stack` that a ConstructGroup holds as if the groups were not there (but those
 * keepInAddresses names), so that grouping never moves a resource in a team's state; and refuse, at
 * synth, two elements given one address. Wraps the stack's own naming scheme (its allocateLogicalId,
 * given the element's scopes without the groups), once per stack, before any element is named: an
 * element's name is fixed the first time anything refers to it.
 */
export function leaveGroupsOutOfAddresses(stack: TerraformStack): void {
  const target = stack as unknown as { allocateLogicalId: Naming; [INSTALLED]?: true };
  if (target[INSTALLED]) return;
  const own: Naming = target.allocateLogicalId.bind(stack);
  target.allocateLogicalId = (element) => {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const scopes = node.scopes.filter((scope) => !ConstructGroup.isGroup(scope) || named.has(scope));
    // cdktf's scheme reads only `scopes` (and each scope's id) of what it is given.
    return scopes.length === node.scopes.length ? own(element) : own({ scopes } as unknown as Node);
  };
  Object.defineProperty(stack, INSTALLED, { value: true });
  stack.node.addValidation({ validate: () => sharedAddresses(stack) });
}
