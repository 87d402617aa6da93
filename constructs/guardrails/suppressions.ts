import { IConstruct } from "constructs";
import { GUARDRAIL_RULES } from "./rules";

/** A rule switched off on one construct, and why: the reason is printed at every synth. */
export interface GuardrailSuppression {
  /** The rule's id, e.g. `AIRLOCK-G5`. */
  readonly id: string;
  readonly reason: string;
}

/** A suppression as added: the construct it was added on, and whether it covers that construct's children. */
export interface AddedSuppression extends GuardrailSuppression {
  readonly on: IConstruct;
  readonly applyToChildren: boolean;
}

export class InvalidSuppressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidSuppressionError";
  }
}

const added = new WeakMap<IConstruct, AddedSuppression[]>();

/**
 * Suppressions in the manner of cdk-nag's NagSuppressions: for teams that extend the stack in code. No
 * config value creates one (the config must not widen access).
 */
export class GuardrailSuppressions {
  /**
   * Let `construct` (and with `applyToChildren` everything under it) break the named rules. Each needs a
   * reason; a suppressed finding does not fail the synth, it is printed as a note with its reason.
   */
  static addResourceSuppressions(construct: IConstruct, suppressions: readonly GuardrailSuppression[], applyToChildren = false): void {
    for (const { id, reason } of suppressions) {
      const where = `${construct.node.path}: guardrail suppression ${JSON.stringify(id)}`;
      if (!GUARDRAIL_RULES.some((rule) => rule.id === id)) {
        throw new InvalidSuppressionError(`${where} names no rule: use one of ${GUARDRAIL_RULES.map((rule) => rule.id).join(", ")}`);
      }
      if (typeof reason !== "string" || reason.trim() === "") {
        throw new InvalidSuppressionError(`${where} has no reason: say why this construct may break the rule`);
      }
      added.set(construct, [...(added.get(construct) ?? []), { id, reason: reason.trim(), on: construct, applyToChildren }]);
    }
  }
}

/** The suppressions added on `construct` itself. */
export function suppressionsOn(construct: IConstruct): readonly AddedSuppression[] {
  return added.get(construct) ?? [];
}

/** The suppression of rule `id` that covers `construct`: its own, else the nearest ancestor's that applies to children. */
export function suppressionFor(construct: IConstruct, id: string): AddedSuppression | undefined {
  for (let node: IConstruct | undefined = construct; node; node = node.node.scope) {
    const match = suppressionsOn(node).find((s) => s.id === id && (node === construct || s.applyToChildren));
    if (match) return match;
  }
  return undefined;
}
