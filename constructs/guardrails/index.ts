// The guardrails: security defaults every synthesized stack must keep, in the manner of cdk-nag.
export { checkGuardrails, GuardrailError, GuardrailReport, wasCheckedWhole } from "./check";
export type { GuardrailOptions, GuardrailViolation, SuppressedViolation } from "./check";
export type { Finding, GuardrailRule } from "./rule";
export type { StackTerraform } from "./terraform-json";
export { GUARDRAIL_RULES } from "./rules";
export { GuardrailSuppressions, InvalidSuppressionError } from "./suppressions";
export type { GuardrailSuppression } from "./suppressions";
