// The library's public API (package.json "exports"): what a team's cdktf or cdktn app imports from
// "pip-airlock". Anything not exported here is internal and may change in any release.
export { PipAirlock, REQUIRED_SERVICES, KMS_SERVICE, SCHEDULER_SERVICE, API_PROPAGATION_SECONDS } from "./constructs/pip-airlock";
export type { PipAirlockProps, PipAirlockProviders } from "./constructs/pip-airlock";
export { validateAirlockConfig } from "./config/airlock-config";
export type { AirlockConfig, AirlockConfigOptions } from "./config/airlock-config";
export { ConfigError, loadConfig } from "./config/load";
export type { LoadedEnvironment } from "./config/load";
export type { EnvironmentConfig } from "./config/schema";
export { GuardrailError, GuardrailSuppressions, GUARDRAIL_RULES, InvalidSuppressionError } from "./constructs/guardrails";
export type { GuardrailSuppression, GuardrailViolation } from "./constructs/guardrails";
export { PythonRepository } from "./constructs/python-repository";
export type { Grantee } from "./constructs/python-repository";
export { loadStartupSources } from "./startup-script/sources";
export type { StartupSources } from "./startup-script/sources";
export { packageStartupSources } from "./startup-script/package-sources";
