// The stack's parts (ConstructGroup: the mirror side, the repositories) group constructs without moving
// their resources in a team's state: a grouped resource keeps the Terraform address it had ungrouped.
import { TerraformElement, TerraformStack, Testing } from "cdktf";
import { Construct, Node } from "constructs";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { hashedLogicalId, keepInAddresses, leaveGroupsOutOfAddresses } from "../constructs/address-scheme";
import { AirlockStack } from "../constructs/airlock-stack";
import { ConstructGroup } from "../constructs/construct-group";
import { buildStack, synthJson } from "./support";

function addressOf(stack: AirlockStack, account: ServiceAccount): string {
  return `google_service_account.${stack.getLogicalId(account)}`;
}

describe("ConstructGroup", () => {
  it("leaves a grouped resource's Terraform address as it was without the group, and its construct path shows the group", () => {
    const { stack: flat } = buildStack();
    const { stack: grouped } = buildStack();
    const ungrouped = new ServiceAccount(flat, "extra", { accountId: "extra-account" });
    const inGroup = new ServiceAccount(new ConstructGroup(grouped, "team-additions"), "extra", { accountId: "extra-account" });
    expect(addressOf(grouped, inGroup)).toBe(addressOf(flat, ungrouped));
    expect(inGroup.node.path).toBe("airlock/team-additions/extra");
  });

  it("leaves out nested groups too, and refuses two resources that would share an address", () => {
    const { stack } = buildStack();
    const group = new ConstructGroup(stack, "g");
    const nested = new ServiceAccount(new ConstructGroup(group, "h"), "x", { accountId: "nested-account" });
    const plain = new ServiceAccount(stack, "x", { accountId: "plain-account" });
    expect(stack.getLogicalId(nested)).toBe(stack.getLogicalId(plain));
    // Both are google_service_account.x once the groups are left out: the synth refuses that.
    expect(() => Testing.synth(stack, true)).toThrow(
      /airlock\/g\/h\/x and airlock\/x would both be google_service_account\.x in Terraform: rename one of them/,
    );
  });

  it("the stack's own parts are groups, and none of their names reaches an address", () => {
    const { stack } = buildStack();
    expect(ConstructGroup.isGroup(stack.repositories)).toBe(true);
    expect(ConstructGroup.isGroup(stack.mirrorSide!)).toBe(true);
    const json = synthJson(stack);
    const addresses = Object.values(json.resource ?? {}).flatMap((byName) => Object.keys(byName));
    expect(addresses).toContain(stack.getLogicalId(stack.repositories.helpersRepo.repository));
    expect(addresses.filter((a) => /artifact-registry|^mirror_|^private_/.test(a))).toEqual([]);
    expect(stack.repositories.helpersRepo.repository.node.path).toBe("airlock/pip-airlock/artifact-registry/auth-repo/repository");
  });
});

describe("the stack's addresses", () => {
  it("the example stack passes its own validations (no two elements share an address)", () => {
    const { stack } = buildStack();
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });
});

describe("the naming of grouped elements (address-scheme.ts)", () => {
  /** Paths that exercise each rule of cdktf's scheme: "Default" and "Resource", an id the one before ends with, characters it drops, lengths it cuts. */
  const PATHS = [
    ["a"],
    ["a.b:c"],
    ["a", "b"],
    ["private-network", "network"],
    ["network", "private-network"],
    ["x", "Default"],
    ["x", "Default", "y"],
    ["x", "Resource"],
    ["Resource", "x"],
    ["x", "y", "Resource", "z"],
    ["w".repeat(255)],
    ["w".repeat(256)],
    ["v".repeat(200), "u".repeat(100)],
    ["db", "db", "db"],
  ];

  it("is cdktf's own scheme: for elements no group holds, the installed cdktf's name, at every path", () => {
    const app = Testing.app();
    for (const [i, path] of PATHS.entries()) {
      const stack = new TerraformStack(app, `naming-${i}`);
      const scope = path.slice(0, -1).reduce<Construct>((parent, id) => new Construct(parent, id), stack);
      const element = new TerraformElement(scope, path[path.length - 1]);
      expect([path, hashedLogicalId(path)]).toEqual([path, stack.getLogicalId(element)]);
    }
  });

  it("names what a group holds by cdktf's scheme, its path without the left-out groups, and leaves the rest to a team stack's own scheme", () => {
    /** A team's stack with a scheme of its own. */
    class PrefixedStack extends TerraformStack {
      protected allocateLogicalId(element: TerraformElement | Node): string {
        return `team_${super.allocateLogicalId(element)}`;
      }
    }
    const stack = new PrefixedStack(Testing.app(), "team");
    new GoogleProvider(stack, "google", {});
    leaveGroupsOutOfAddresses(stack);
    const ungrouped = new ServiceAccount(new Construct(stack, "outer"), "sa", { accountId: "ungrouped" });
    const grouped = new ServiceAccount(new ConstructGroup(new Construct(stack, "other"), "g"), "sa", { accountId: "grouped" });
    const kept = new ConstructGroup(stack, "airlock");
    keepInAddresses(kept);
    const inKept = new ServiceAccount(new ConstructGroup(kept, "part"), "sa", { accountId: "in-kept" });
    expect(stack.getLogicalId(ungrouped)).toBe(`team_outer_sa_${hashedLogicalId(["outer", "sa"]).slice(-8)}`);
    expect(stack.getLogicalId(grouped)).toBe(hashedLogicalId(["other", "sa"]));
    expect(stack.getLogicalId(inKept)).toBe(hashedLogicalId(["airlock", "sa"]));
    leaveGroupsOutOfAddresses(stack); // once per stack: a second call changes nothing
    expect(stack.getLogicalId(grouped.node)).toBe(hashedLogicalId(["other", "sa"]));
  });
});
