import { StackTerraform } from "./terraform-json";

/**
 * How a rule's finding counts, as cdk-nag's NagMessageLevel says it. `error` (cdk-nag's ERROR): the finding fails
 * the synth unless a suppression with a reason covers it. There is no `warning` (cdk-nag's WARN): every rule
 * guards a security default the product promises, so none of its findings is advisory; what the guardrails
 * cannot check is reported as a note instead (blind-spots.ts).
 */
export type GuardrailLevel = "error";

/**
 * A security default a synthesized stack must keep, in the manner of a cdk-nag rule: what it checks sits
 * next to what it fires on (`info`), why it exists (`explanation`) and how bad a finding is (`level`).
 * docs/security.md's guardrails table is generated from these (`npm run docs:security`).
 */
export interface GuardrailRule {
  /** Stable, e.g. `AIRLOCK-G1`: what a suppression names. */
  readonly id: string;
  readonly name: string;
  readonly level: GuardrailLevel;
  /** What the rule fires on, in one line (cdk-nag's `info`): the table's "fires on". */
  readonly info: string;
  /** Why: the attack or failure the rule prevents, in one to three sentences (cdk-nag's `explanation`). */
  readonly explanation: string;
  /** How to fix a finding, where the finding's own line does not say it. */
  readonly fix?: string;
  readonly check: (stack: StackTerraform) => Finding[];
}

/** A resource that breaks a rule: its construct path and what to change. */
export interface Finding {
  readonly path: string;
  readonly message: string;
}
