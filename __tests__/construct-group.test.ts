// The stack's parts (ConstructGroup: the mirror side, the repositories) group constructs without moving
// their resources in a team's state: a grouped resource keeps the Terraform address it had ungrouped.
import { Testing } from "cdktf";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
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
    expect(() => Testing.synth(stack, true)).toThrow(/airlock\/g\/h\/x and airlock\/x would both be google_service_account\.x in Terraform: rename one of them/);
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
