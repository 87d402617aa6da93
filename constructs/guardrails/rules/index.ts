import { GuardrailRule } from "../rule";
import * as authRepoHelpersOnly from "./auth-repo-helpers-only";
import * as noDefaultComputeServiceAccount from "./no-default-compute-service-account";
import * as noExternalIp from "./no-external-ip";
import * as noPrivateInternetEgress from "./no-private-internet-egress";
import * as noProjectLevelHostRoles from "./no-project-level-host-roles";
import * as noPublicRepository from "./no-public-repository";
import * as signingKeyLeastPrivilege from "./signing-key-least-privilege";
import * as sshOnlyFromIap from "./ssh-only-from-iap";

/** Every rule the guardrails check, in id order. */
export const GUARDRAIL_RULES: readonly GuardrailRule[] = [
  noExternalIp,
  noDefaultComputeServiceAccount,
  noProjectLevelHostRoles,
  noPrivateInternetEgress,
  sshOnlyFromIap,
  noPublicRepository,
  authRepoHelpersOnly,
  signingKeyLeastPrivilege,
];
