import { StackTerraform } from "./terraform-json";

/** A security default a synthesized stack must keep. */
export interface GuardrailRule {
  /** Stable, e.g. `AIRLOCK-G1`: what a suppression names. */
  readonly id: string;
  readonly name: string;
  readonly check: (stack: StackTerraform) => Finding[];
}

/** A resource that breaks a rule: its construct path and what to change. */
export interface Finding {
  readonly path: string;
  readonly message: string;
}
