import { Annotations, IAspect, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { blindSpots, Finding, GUARDRAIL_RULES, GuardrailRule, TerraformJson } from "./guardrail-rules";

/** One broken security default, named by rule, at a construct path. */
export interface GuardrailViolation extends Finding {
  readonly rule: string;
}

/** Raised after synthesis when any stack breaks a guardrail; nothing is written then. */
export class GuardrailError extends Error {
  constructor(readonly violations: readonly GuardrailViolation[]) {
    super(violations.map((v) => `guardrail ${v.rule}: ${v.path} ${v.message}`).join("\n"));
    this.name = "GuardrailError";
  }
}

/**
 * An Aspect that checks each stack's resolved Terraform against the security defaults (cdk-nag style).
 * Every finding becomes an error annotation on the offending construct and is kept in `violations`.
 */
export class Guardrails implements IAspect {
  /** Keyed by stack, so synthesizing a stack again replaces its findings instead of repeating them. */
  private readonly byStack = new Map<string, GuardrailViolation[]>();
  private readonly notesByStack = new Map<string, Finding[]>();

  constructor(private readonly rules: readonly GuardrailRule[] = GUARDRAIL_RULES) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const tf = node.toTerraform() as TerraformJson;
    const violations: GuardrailViolation[] = [];
    this.byStack.set(node.node.path, violations);
    const notes = blindSpots(tf);
    this.notesByStack.set(node.node.path, notes);
    for (const note of notes) Annotations.of(findByPath(node, note.path)).addWarning(note.message);
    for (const rule of this.rules) {
      for (const finding of rule.check(tf)) {
        const violation = { rule: `${rule.id} ${rule.name}`, ...finding };
        violations.push(violation);
        Annotations.of(findByPath(node, finding.path)).addError(`[${violation.rule}] ${finding.message}`);
      }
    }
  }

  get violations(): GuardrailViolation[] {
    return [...this.byStack.values()].flat();
  }

  /** What the rules could not check (parts of existing networks), one line each, with its stack path. */
  get notes(): string[] {
    return [...this.notesByStack.values()].flat().map((n) => `${n.path} ${n.message}`);
  }

  /** Throw a GuardrailError listing every violation found, if any. */
  assertClean(): void {
    if (this.violations.length > 0) throw new GuardrailError(this.violations);
  }
}

function findByPath(stack: TerraformStack, path: string): IConstruct {
  const [, ...ids] = path.split("/");
  let node: IConstruct = stack;
  for (const id of ids) node = node.node.tryFindChild(id) ?? node;
  return node;
}
