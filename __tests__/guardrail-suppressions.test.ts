import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { AnnotationMetadataEntryType } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as airlockStackModule from "../constructs/airlock-stack";
import { AirlockStack } from "../constructs/airlock-stack";
import { checkGuardrails, GuardrailError, GuardrailSuppressions, InvalidSuppressionError } from "../constructs/guardrails";
import { synthesize } from "../synth/synthesize";
import { ASSETS, buildStack, EXAMPLE_CONFIG, ROOT } from "./support";

const G5 = "AIRLOCK-G5 ssh-only-from-iap";
const REASON = "the office bastion range, reviewed in SEC-123";

function openSsh(scope: Construct, id: string, network: string): ComputeFirewall {
  return new ComputeFirewall(scope, id, { name: id, network, sourceRanges: ["0.0.0.0/0"], allow: [{ protocol: "tcp", ports: ["22"] }] });
}

function annotations(construct: IConstruct, type: string): string[] {
  return construct.node.metadata.filter((m) => m.type === type).map((m) => String(m.data));
}

describe("a suppression with a reason", () => {
  it("lets the construct pass, and is reported: a note and an info annotation naming rule, path and reason", () => {
    const { stack } = buildStack();
    const firewall = openSsh(stack, "bastion-ssh", stack.privateNetwork.network.id);
    GuardrailSuppressions.addResourceSuppressions(firewall, [{ id: "AIRLOCK-G5", reason: REASON }]);
    const report = checkGuardrails([stack]);
    expect(report.violations).toEqual([]);
    expect(() => report.assertClean()).not.toThrow();
    expect(report.suppressed.map((s) => [s.rule, s.path, s.reason])).toEqual([[G5, "airlock/bastion-ssh", REASON]]);
    expect(report.notes).toEqual([
      expect.stringMatching(
        /^airlock\/bastion-ssh \[AIRLOCK-G5 ssh-only-from-iap\] suppressed \(the office bastion range, reviewed in SEC-123\): opens SSH/,
      ),
    ]);
    expect(annotations(firewall, AnnotationMetadataEntryType.ERROR)).toEqual([]);
    expect(annotations(firewall, AnnotationMetadataEntryType.INFO)).toEqual([expect.stringContaining(`[${G5}] suppressed (${REASON})`)]);
  });

  it("an unsuppressed sibling still fails", () => {
    const { stack } = buildStack();
    const network = stack.privateNetwork.network.id;
    const suppressed = openSsh(stack, "bastion-ssh", network);
    openSsh(stack, "sibling-ssh", network);
    GuardrailSuppressions.addResourceSuppressions(suppressed, [{ id: "AIRLOCK-G5", reason: REASON }]);
    const report = checkGuardrails([stack]);
    expect(report.violations.map((v) => [v.rule, v.path])).toEqual([[G5, "airlock/sibling-ssh"]]);
    expect(() => report.assertClean()).toThrow(GuardrailError);
  });

  it("covers its rule only: another rule the construct breaks still fails", () => {
    const { stack } = buildStack();
    const vm = new ComputeInstance(stack, "lazy-vm", {
      name: "lazy-vm",
      zone: "us-central1-a",
      machineType: "e2-small",
      bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } },
      networkInterface: [{ subnetwork: stack.privateNetwork.subnet.id, accessConfig: [{}] }],
    });
    GuardrailSuppressions.addResourceSuppressions(vm, [{ id: "AIRLOCK-G1", reason: "a lab VM behind the office VPN" }]);
    const report = checkGuardrails([stack]);
    expect(report.suppressed.map((s) => s.rule)).toEqual(["AIRLOCK-G1 no-external-ip"]);
    expect(report.violations.map((v) => [v.rule, v.path])).toEqual([["AIRLOCK-G2 no-default-compute-service-account", "airlock/lazy-vm"]]);
  });

  it("on a parent covers its children only with applyToChildren; without it the parent's suppression is stale", () => {
    const run = (applyToChildren: boolean) => {
      const { stack } = buildStack();
      const team = new Construct(stack, "team");
      openSsh(team, "bastion-ssh", stack.privateNetwork.network.id);
      GuardrailSuppressions.addResourceSuppressions(team, [{ id: "AIRLOCK-G5", reason: REASON }], applyToChildren);
      return { team, report: checkGuardrails([stack]) };
    };
    const covered = run(true).report;
    expect([covered.violations, covered.suppressed.map((s) => s.path), covered.staleSuppressions]).toEqual([
      [],
      ["airlock/team/bastion-ssh"],
      [],
    ]);
    const { team, report } = run(false);
    expect(report.violations.map((v) => v.path)).toEqual(["airlock/team/bastion-ssh"]);
    expect(report.staleSuppressions.map((s) => s.on)).toEqual([team]);
  });

  it("that matches nothing is reported as stale (a note and a warning), and does not fail the synth", () => {
    const { stack } = buildStack();
    GuardrailSuppressions.addResourceSuppressions(stack.privateNetwork, [{ id: "AIRLOCK-G4", reason: "was a test route" }], true);
    const report = checkGuardrails([stack]);
    expect(report.violations).toEqual([]);
    const stale =
      "suppresses AIRLOCK-G4 no-private-internet-egress (was a test route), but nothing here or below breaks it: remove the suppression";
    expect(report.notes).toEqual([`airlock/pip-airlock/private/private-network ${stale}`]);
    expect(annotations(stack.privateNetwork, AnnotationMetadataEntryType.WARN)).toEqual([stale]);
  });
});

describe("an invalid suppression is an error", () => {
  it.each([
    [
      "an unknown rule id",
      { id: "AIRLOCK-G9", reason: REASON },
      /^airlock\/bastion-ssh: guardrail suppression "AIRLOCK-G9" names no rule: use one of AIRLOCK-G1, .*AIRLOCK-G7, AIRLOCK-G8$/,
    ],
    ["a rule's name instead of its id", { id: "ssh-only-from-iap", reason: REASON }, /names no rule/],
    ["an empty reason", { id: "AIRLOCK-G5", reason: "" }, /^airlock\/bastion-ssh: guardrail suppression "AIRLOCK-G5" has no reason/],
    ["a blank reason", { id: "AIRLOCK-G5", reason: "  \n" }, /has no reason/],
  ])("%s", (_, suppression, message) => {
    const { stack } = buildStack();
    const firewall = openSsh(stack, "bastion-ssh", stack.privateNetwork.network.id);
    let error: unknown;
    try {
      GuardrailSuppressions.addResourceSuppressions(firewall, [suppression]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidSuppressionError);
    expect((error as Error).message).toMatch(message);
    expect(checkGuardrails([stack]).violations.map((v) => v.path)).toEqual(["airlock/bastion-ssh"]);
  });
});

describe("synthesize() with a stack a team extended and suppressed in code", () => {
  class BastionAirlockStack extends AirlockStack {
    constructor(...args: ConstructorParameters<typeof AirlockStack>) {
      super(...args);
      GuardrailSuppressions.addResourceSuppressions(openSsh(this, "bastion-ssh", this.privateNetwork.network.id), [
        { id: "AIRLOCK-G5", reason: REASON },
      ]);
    }
  }
  const RealAirlockStack = airlockStackModule.AirlockStack;
  afterEach(() => void ((airlockStackModule as { AirlockStack: typeof AirlockStack }).AirlockStack = RealAirlockStack));

  it("writes the stack and prints the suppression as a note", () => {
    (airlockStackModule as { AirlockStack: typeof AirlockStack }).AirlockStack = BastionAirlockStack;
    const work = mkdtempSync(path.join(os.tmpdir(), "airlock-suppressed-"));
    try {
      const notes: string[] = [];
      synthesize({ configFile: EXAMPLE_CONFIG, outdir: path.join(work, "out"), assetsDir: ASSETS, onNote: (n) => notes.push(n) });
      const json = JSON.parse(readFileSync(path.join(work, "out", "stacks", "airlock", "cdk.tf.json"), "utf8"));
      expect(Object.keys(json.resource.google_compute_firewall)).toContain("bastion-ssh");
      expect(notes).toEqual([
        expect.stringMatching(/^airlock\/bastion-ssh \[AIRLOCK-G5 ssh-only-from-iap\] suppressed \(the office bastion range/),
      ]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

it("no config value creates a suppression: only code that extends the stack calls the API, and the app's own code never does", () => {
  const sources = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.join(dir, f));
  const callers = ["main.ts", ...sources("config"), ...sources("constructs")].filter((f) =>
    readFileSync(path.join(ROOT, f), "utf8").includes("addResourceSuppressions"),
  );
  expect(callers).toEqual([path.join("constructs", "guardrails", "suppressions.ts")]);
  const report = checkGuardrails([buildStack().stack]);
  expect([report.suppressed, report.staleSuppressions]).toEqual([[], []]);
});
