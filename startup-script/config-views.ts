// The views of the startup scripts built from an environment's config: what each setting of a script is.
import { BootstrapScriptView, CommonScriptView, MirrorScriptView, PolicySettings } from "./views";
import { GOOGLE_APIS_VIPS } from "../constructs/google-apis-access";
import { OWNED_ROOTS, PRODUCT_STATE_PATHS } from "../config/host-paths";
import { VENV_TOOL } from "../config/requirements";
import { EnvironmentConfig, MirrorPolicy, signingKeyName } from "../config/schema";

/** Where the scripts find Artifact Registry, resolved from the stack's repositories. */
export interface ScriptEndpoints {
  readonly arHost: string;
  /** Index that serves the auth helpers: the auth repo (mirror) or the PyPI remote repo (remote). */
  readonly helpersIndexUrl: string;
  /** pip's index afterwards, with the `oauth2accesstoken@` user. */
  readonly pipIndexUrl: string;
  readonly uploadRepoUrl: string;
}

/** The mirror's endpoints: those of every script, and the auth repo's upload endpoint. */
export interface MirrorEndpoints extends ScriptEndpoints {
  readonly helpersUploadUrl: string;
}

export const METADATA_HOST = "metadata.google.internal";
/** The longest wait a 429's Retry-After may impose at once (Artifact Registry's quota is per minute). */
export const RETRY_AFTER_MAX_SECONDS = 120;
export const GUEST_ATTRIBUTE_NAMESPACE = "pip-airlock";
/** Cloud KMS's REST API (asymmetricSign, getPublicKey): a googleapis.com name, so the private VIP serves it. */
export const KMS_ENDPOINT = "https://cloudkms.googleapis.com/v1/";
/** OSV's batch query (google.github.io/osv.dev): the mirror's vulnerability lookups. Fixed, not config. */
export const OSV_URL = "https://api.osv.dev/v1/querybatch";
/** PyPI's Integrity API (PEP 740): the mirror's provenance lookups. Fixed, not config. */
export const INTEGRITY_URL = "https://pypi.org/integrity/";

function commonView(config: EnvironmentConfig, endpoints: ScriptEndpoints): CommonScriptView {
  return {
    ar_host: endpoints.arHost,
    auth_repo_index_url: endpoints.helpersIndexUrl,
    metadata_host: METADATA_HOST,
    guest_attr_namespace: GUEST_ATTRIBUTE_NAMESPACE,
    max_attempts: config.retries.maxAttempts,
    max_backoff_seconds: config.retries.maxBackoffSeconds,
    retry_after_max_seconds: RETRY_AFTER_MAX_SECONDS,
    venv_tool: VENV_TOOL,
    pip_socket_timeout_seconds: config.timeouts.pipSocketSeconds,
  };
}

export function mirrorView(config: EnvironmentConfig, endpoints: MirrorEndpoints, lockContent: string): MirrorScriptView {
  if (config.mode !== "mirror") throw new Error("the mirror's script exists in mirror mode only");
  return {
    ...commonView(config, endpoints),
    auth_repo_upload_url: endpoints.helpersUploadUrl,
    source_index_url: config.mirror.sourceIndexUrl,
    packages: config.mirror.packages,
    targets: config.mirror.targets.map((t) => `${t.python}:${t.arch}:${t.platforms.join(",")}`),
    mirrored_targets: mirroredTargets(config),
    bootstrap_pip: config.mirror.bootstrapPip,
    lock_content: lockContent,
    stop_when_done: config.mirror.stopWhenDone,
    download_timeout_seconds: config.timeouts.downloadSeconds,
    upload_timeout_seconds: config.timeouts.uploadSeconds,
    dpkg_lock_timeout_seconds: config.timeouts.dpkgLockSeconds,
    signing_key: signingKeyName(config),
    signing_key_version: config.mirror.signing.keyVersion,
    kms_endpoint: KMS_ENDPOINT,
    policy: policySettings(config.mirror.policy),
  };
}

/** `mirror.policy` as the agent reads it (POLICY), with the fixed URLs of OSV and PyPI's Integrity API. */
export function policySettings(policy: MirrorPolicy): PolicySettings {
  return {
    MIN_RELEASE_AGE_DAYS: policy.minReleaseAgeDays,
    AGE_EXEMPT: policy.ageExempt,
    VULNERABILITIES: policy.vulnerabilities,
    OSV_URL,
    WAIVERS: policy.waivers.map((w) => ({ ID: w.id, REASON: w.reason })),
    PROVENANCE: policy.provenance,
    INTEGRITY_URL,
    PUBLISHERS: policy.publishers,
  };
}

export function bootstrapView(config: EnvironmentConfig, endpoints: ScriptEndpoints, lockContent: string): BootstrapScriptView {
  return {
    ...commonView(config, endpoints),
    index_url: endpoints.pipIndexUrl,
    upload_repo_url: endpoints.uploadRepoUrl,
    packages: config.mirror.packages,
    wait_attempts: config.retries.waitAttempts,
    bootstrap_pip: config.mirror.bootstrapPip,
    // None: a host finds its target among those the verified signed set names a bundle for, so the bootstrap
    // (and every VM, template and consumer carrying it) stays the same when a target is added.
    mirrored_targets: [],
    venv_dir: config.hosts.keyringVenv,
    owned_roots: OWNED_ROOTS,
    product_state_paths: PRODUCT_STATE_PATHS,
    install_timeout_seconds: config.timeouts.installSeconds,
    signing_key: config.mode === "mirror" ? signingKeyName(config) : "",
    kms_endpoint: KMS_ENDPOINT,
    google_apis_range: GOOGLE_APIS_VIPS[config.networks.private.googleApis].cidr,
    lock_content: lockContent,
  };
}

/** The mirror's targets as both scripts name them (`PYTHON:ARCH:GLIBC`): each one's bundle is named from this word. */
export function mirroredTargets(config: { readonly mirror: Pick<EnvironmentConfig["mirror"], "targets"> }): string[] {
  return config.mirror.targets.map((t) => `${t.python}:${t.arch}:${t.glibc}`);
}
