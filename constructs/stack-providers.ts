import { TerraformProvider, TerraformStack } from "cdktf";

/** The provider types pip-airlock's resources use. */
export const PROVIDER_TYPES = { google: "google", googleBeta: "google-beta", time: "time" } as const;

/** The stack's default (un-aliased) providers of `type`: the one Terraform gives a resource that names none. */
export function defaultProviders(stack: TerraformStack, type: string): TerraformProvider[] {
  return stack.node
    .findAll()
    .filter(
      (c): c is TerraformProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === type && c.alias === undefined,
    );
}

/**
 * What Terraform would refuse, or get wrong, about `stack`'s providers for pip-airlock: no default google
 * provider (every resource of the construct uses it), or two default providers of one type. `added` names
 * the providers the construct made because the stack had none when it was built. One line per problem.
 */
export function providerProblems(stack: TerraformStack, added: readonly TerraformProvider[]): string[] {
  const problems: string[] = [];
  if (defaultProviders(stack, PROVIDER_TYPES.google).length === 0) {
    problems.push(
      `stack "${stack.node.id}" has no default google provider (one without an alias), which pip-airlock's resources use: ` +
        `add new GoogleProvider(stack, "google", { ... }) (every resource names its project, region and zone from the config; the provider gives credentials)`,
    );
  }
  for (const type of Object.values(PROVIDER_TYPES)) {
    const defaults = defaultProviders(stack, type);
    if (defaults.length < 2) continue;
    const ours = defaults.filter((p) => added.includes(p)).map((p) => p.node.path);
    problems.push(
      `stack "${stack.node.id}" has ${defaults.length} default ${type} providers (${defaults.map((p) => p.node.path).join(", ")}), and Terraform allows one` +
        (ours.length > 0
          ? `: pip-airlock added ${ours.join(", ")} because the stack had none when it was built; create yours before the PipAirlock, or pass it in the providers prop`
          : ": give all but one an alias"),
    );
  }
  return problems;
}
