import { TerraformElement, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { createHash } from "crypto";
import { ConstructGroup } from "./construct-group";
import { sharedAddresses } from "./unique-addresses";

/** The stacks whose naming leaves the groups out (leaveGroupsOutOfAddresses ran on them). */
const installed = new WeakSet<TerraformStack>();

/** Groups whose own id stays in the addresses of what they hold (a PipAirlock in a team's stack). */
const named = new WeakSet<IConstruct>();

/** Keep `group`'s id in the Terraform addresses of the elements it holds, although it is a ConstructGroup. */
export function keepInAddresses(group: ConstructGroup): void {
  named.add(group);
}

/** Whether the addresses of what `scope` holds leave its id out. */
function leftOut(scope: IConstruct): boolean {
  return ConstructGroup.isGroup(scope) && !named.has(scope);
}

/**
 * Name every element of `stack` that a ConstructGroup holds as if the groups were not there (but those
 * keepInAddresses names), so that grouping never moves a resource in a team's state; and refuse, at
 * synth, two elements given one address. Once per stack, before any element is named: an element's name
 * is fixed the first time anything refers to it.
 *
 * Every element asks its stack for its name through the public `getLogicalId` (cdktf and cdktn alike), and
 * this wraps that method of `stack`: an element no group holds is named by the stack's own scheme, as it
 * was; one a group holds (everything of a PipAirlock) gets `hashedLogicalId` of its path under the stack
 * without the left-out groups: the name cdktf's default scheme gives an element at that path (a test holds
 * the two equal), whatever scheme a team's stack has of its own.
 */
export function leaveGroupsOutOfAddresses(stack: TerraformStack): void {
  if (installed.has(stack)) return;
  installed.add(stack);
  const stacksOwn = stack.getLogicalId.bind(stack);
  stack.getLogicalId = (element) => {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const path = node.scopes.slice(node.scopes.indexOf(stack) + 1);
    if (!path.some(ConstructGroup.isGroup)) return stacksOwn(element);
    const components = path.filter((scope) => !leftOut(scope)).map((scope) => scope.node.id);
    return components.length > 0 ? hashedLogicalId(components) : "";
  };
  stack.node.addValidation({ validate: () => sharedAddresses(stack) });
}

/** Left out of a name altogether (cdktf's HIDDEN_ID). */
const HIDDEN = "Default";
/** Left out of a name's readable part, kept in its hash (cdktf's HIDDEN_FROM_HUMAN_ID). */
const HIDDEN_FROM_READER = "Resource";
const MAX_LENGTH = 255;
const MAX_READABLE_LENGTH = 240;

/**
 * The logical id cdktf's default naming scheme (TerraformStack's `allocateLogicalId`, "HashedAddressingScheme")
 * gives an element whose path under its stack is `components`: a one-component path is that id (only
 * `[A-Za-z0-9_-]` kept); a longer one joins the ids with `_` (one that ends the id before it dropped) and
 * adds the first 8 hex digits of the MD5 of the path, upper case. cdktf 0.21 and cdktn 0.24 compute it in a
 * private module (`lib/private/unique`, makeUniqueId), which neither exports: this is the same computation
 * (cdktf's own MigrateIds aspect carries a copy of its older form likewise), held equal to the installed
 * cdktf's by __tests__/construct-group.test.ts.
 */
export function hashedLogicalId(components: readonly string[]): string {
  const ids = components.filter((id) => id !== HIDDEN);
  if (ids.length === 0)
    throw new Error(`no id to name an element by: its path under the stack is ${components.map((id) => `"${id}"`).join("/")}`);
  if (ids.length === 1 && keptCharacters(ids[0]).length <= MAX_LENGTH) return keptCharacters(ids[0]);
  const hash = createHash("md5").update(ids.join("/")).digest("hex").slice(0, 8).toUpperCase();
  const readable = withoutRepeats(ids)
    .filter((id) => id !== HIDDEN_FROM_READER)
    .map(keptCharacters)
    .join("_")
    .slice(0, MAX_READABLE_LENGTH);
  return `${readable}_${hash}`;
}

function keptCharacters(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "");
}

/** The ids, but each that the id kept before it ends with. */
function withoutRepeats(ids: readonly string[]): string[] {
  const kept: string[] = [];
  for (const id of ids) if (kept.length === 0 || !kept[kept.length - 1].endsWith(id)) kept.push(id);
  return kept;
}
