import { Annotations, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { blindSpots } from "./blind-spots";
import { readStack } from "./read-stack";
import { Finding } from "./rule";
import { GUARDRAIL_RULES } from "./rules";
import { judgedPaths } from "./scope";
import { AddedSuppression, suppressionFor, suppressionsOn } from "./suppressions";

/** One broken security default, named by rule (`ID name`), at a construct path. */
export interface GuardrailViolation extends Finding {
  readonly rule: string;
}

/** A violation a suppression allows, with the suppression's reason. */
export interface SuppressedViolation extends GuardrailViolation {
  readonly reason: string;
}

/** How an error says a violation: `guardrail RULE: PATH MESSAGE`. */
export function violationLine(v: GuardrailViolation): string {
  return `guardrail ${v.rule}: ${v.path} ${v.message}`;
}

/** Raised when any stack breaks a guardrail; nothing is written then. */
export class GuardrailError extends Error {
  constructor(readonly violations: readonly GuardrailViolation[]) {
    super(violations.map(violationLine).join("\n"));
    this.name = "GuardrailError";
  }
}

/** What the guardrails found in the stacks they checked. */
export class GuardrailReport {
  constructor(
    readonly violations: readonly GuardrailViolation[],
    readonly suppressed: readonly SuppressedViolation[],
    /** Suppressions that allowed nothing: the construct no longer breaks the rule (or never did). */
    readonly staleSuppressions: readonly AddedSuppression[],
    /** What the rules could not check (parts of existing networks). */
    readonly blindSpots: readonly Finding[],
  ) {}

  /** What the synth prints, one line each, with its construct path: blind spots, suppressed violations, stale suppressions. */
  get notes(): string[] {
    return [
      ...this.blindSpots.map((n) => `${n.path} ${n.message}`),
      ...this.suppressed.map((s) => `${s.path} [${s.rule}] suppressed (${s.reason}): ${s.message}`),
      ...this.staleSuppressions.map((s) => `${s.on.node.path} ${staleMessage(s)}`),
    ];
  }

  /** Throw a GuardrailError listing every violation not suppressed, if any. */
  assertClean(): void {
    if (this.violations.length > 0) throw new GuardrailError(this.violations);
  }
}

/** Stacks checkGuardrails checked whole (the app's, before it synthesizes). */
const checkedWhole = new WeakSet<TerraformStack>();

/** Whether checkGuardrails has checked all of `stack`: its error annotations then fail the synth already. */
export function wasCheckedWhole(stack: TerraformStack): boolean {
  return checkedWhole.has(stack);
}

export interface GuardrailOptions {
  /**
   * Judge only what this construct builds, in a stack that holds more (a PipAirlock in a team's stack):
   * its resources, and the stack's others that name one of them (see judgedPaths). Default: everything.
   */
  readonly within?: IConstruct;
}

/**
 * Check each stack's resolved Terraform against every rule. A violation becomes an error annotation on
 * the offending construct (so cdktf's synth fails on it too); suppressed ones, stale suppressions and
 * blind spots become notes (info and warning annotations).
 */
export function checkGuardrails(stacks: readonly TerraformStack[], options: GuardrailOptions = {}): GuardrailReport {
  const violations: GuardrailViolation[] = [];
  const suppressed: SuppressedViolation[] = [];
  const stale: AddedSuppression[] = [];
  const spots: Finding[] = [];
  for (const stack of stacks) {
    const terraform = readStack(stack);
    const judged = options.within ? judgedPaths(terraform.tf, options.within.node.path) : undefined;
    const isJudged = (path: string) => judged === undefined || judged.has(path);
    if (!judged) checkedWhole.add(stack);
    const constructs = new Map(stack.node.findAll().map((c) => [c.node.path, c] as const));
    const at = (path: string): IConstruct => constructs.get(path) ?? stack;
    const used = new Set<AddedSuppression>();
    for (const rule of GUARDRAIL_RULES) {
      for (const finding of rule.check(terraform).filter((f) => isJudged(f.path))) {
        const violation = { rule: `${rule.id} ${rule.name}`, ...finding };
        const construct = at(finding.path);
        const suppression = suppressionFor(construct, rule.id);
        if (suppression) {
          used.add(suppression);
          suppressed.push({ ...violation, reason: suppression.reason });
          Annotations.of(construct).addInfo(`[${violation.rule}] suppressed (${suppression.reason}): ${finding.message}`);
        } else {
          violations.push(violation);
          Annotations.of(construct).addError(`[${violation.rule}] ${finding.message}`);
        }
      }
    }
    const mayBeStale = (c: IConstruct) => isJudged(c.node.path) || (options.within !== undefined && c.node.scopes.includes(options.within));
    for (const suppression of [...constructs.values()]
      .filter(mayBeStale)
      .flatMap(suppressionsOn)
      .filter((s) => !used.has(s))) {
      stale.push(suppression);
      Annotations.of(suppression.on).addWarning(staleMessage(suppression));
    }
    for (const spot of blindSpots(terraform).filter((f) => isJudged(f.path))) {
      spots.push(spot);
      Annotations.of(at(spot.path)).addWarning(spot.message);
    }
  }
  return new GuardrailReport(violations, suppressed, stale, spots);
}

function staleMessage(s: AddedSuppression): string {
  const rule = GUARDRAIL_RULES.find((r) => r.id === s.id)!;
  const where = s.applyToChildren ? "nothing here or below" : "nothing here";
  return `suppresses ${rule.id} ${rule.name} (${s.reason}), but ${where} breaks it: remove the suppression`;
}
