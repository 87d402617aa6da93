import { TerraformStack } from "cdktf";
import { LoadedEnvironment } from "../config/load";

/**
 * Each environment's stack depends on the stacks whose route and DNS its VMs use on a shared VPC
 * (config/shared-vpc.ts). cdktf writes the dependency into cdktf.out/manifest.json (`dependencies`, by
 * stack) and its CLI obeys it: `cdktf deploy` runs a stack only after the stacks it depends on and refuses
 * a selection without them; `cdktf destroy` destroys dependents first and refuses to destroy a stack
 * without its dependents (@cdktf/cli-core: cdktf-project.js deploy/destroy, helpers/stack-helpers.js).
 */
export function addStackDependencies(stacks: readonly TerraformStack[], environments: readonly LoadedEnvironment[]): void {
  const byName = new Map(stacks.map((stack) => [stack.node.id, stack]));
  for (const env of environments) {
    const stack = byName.get(env.name);
    for (const owner of env.sharing.dependsOn) {
      const ownerStack = byName.get(owner);
      if (stack && ownerStack) stack.addDependency(ownerStack);
    }
  }
}
