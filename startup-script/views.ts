/**
 * What the host agent reads: settings shared by both startup scripts. Each field is the setting of its
 * name in upper case (`ar_host` is `AR_HOST`) in the JSON the script carries (see settingsJson).
 */
export interface CommonScriptView {
  /** Artifact Registry Python host, e.g. `us-central1-python.pkg.dev`. */
  readonly ar_host: string;
  /** Simple index of the auth repo, e.g. `https://us-central1-python.pkg.dev/PROJECT/pip-auth-repo/simple/`. */
  readonly auth_repo_index_url: string;
  /** Host of the metadata server (`metadata.google.internal`). */
  readonly metadata_host: string;
  /** Guest-attribute namespace the script publishes its status under. */
  readonly guest_attr_namespace: string;
  /** Upper bound of tries for every network step (with exponential backoff). */
  readonly max_attempts: number;
  /** Upper bound, in seconds, of a single backoff sleep. */
  readonly max_backoff_seconds: number;
  /**
   * Upper bound, in seconds, of one wait that Artifact Registry or the metadata server asked for with
   * HTTP 429 and Retry-After (a per-minute quota asks for at most 60 s); up to half more is added at
   * random, so that a fleet told the same moment does not come back at once.
   */
  readonly retry_after_max_seconds: number;
  /** The venv tool the mirror uploads and bare private hosts link onto PATH (`virtualenv`). */
  readonly venv_tool: string;
  /** pip's own timeout for one network read, in seconds. */
  readonly pip_socket_timeout_seconds: number;
}

/** The public host's mirror: download the helpers from the source index, upload them to the auth repo. */
export interface MirrorScriptView extends CommonScriptView {
  /** Upload endpoint of the auth repo, e.g. `https://us-central1-python.pkg.dev/PROJECT/pip-auth-repo/`. */
  readonly auth_repo_upload_url: string;
  /** Index the helpers come from (PyPI's simple index by default). */
  readonly source_index_url: string;
  /** Requirement specifiers to mirror with all transitive dependencies. */
  readonly packages: readonly string[];
  /**
   * What to download for, one word per target: `PYTHON:ARCH:TAG,TAG,...`, e.g.
   * `3.11.2:x86_64:manylinux_2_36_x86_64,...,manylinux2014_x86_64` (the CPython, its CPU, the wheel
   * platform tags its pip accepts).
   */
  readonly targets: readonly string[];
  /**
   * The same targets in the same order, as the signed set names them, `PYTHON:ARCH:GLIBC`: the mirror
   * publishes one bundle per target, under the name both scripts derive from this word (a host finds its
   * own among the signed set's).
   */
  readonly mirrored_targets: readonly string[];
  /** Requirement specifier of the pip that bare private hosts bootstrap with, e.g. `pip>=23.1`. */
  readonly bootstrap_pip: string;
  /** A hash-pinned requirements lock (installed with --require-hashes); empty for none. */
  readonly lock_content: string;
  /** `true` to stop the VM once the mirror succeeded. */
  readonly stop_when_done: boolean;
  /** Bound of one `pip download` attempt, in seconds. */
  readonly download_timeout_seconds: number;
  /** Bound of one upload attempt (twine), in seconds. */
  readonly upload_timeout_seconds: number;
  /** How long apt waits for the dpkg lock on a first boot, in seconds. */
  readonly dpkg_lock_timeout_seconds: number;
  /** The Cloud KMS key the mirror signs its statement with, `projects/P/locations/L/keyRings/R/cryptoKeys/K`. */
  readonly signing_key: string;
  /** The version of `signing_key` it signs with (rotation: a new version, then this). */
  readonly signing_key_version: number;
  /** Cloud KMS's REST endpoint, ending in `/v1/`: `https://cloudkms.googleapis.com/v1/`. */
  readonly kms_endpoint: string;
  /** What the mirror lets into the auth repo (the agent's POLICY, keyed as it reads it). */
  readonly policy: PolicySettings;
}

/** The mirror's POLICY setting: `mirror.policy` of the config, plus the fixed URLs of the services it asks. */
export interface PolicySettings {
  /** Days a release must have been on the source index (0: no cooldown). */
  readonly MIN_RELEASE_AGE_DAYS: number;
  /** PEP 503 normalized names the cooldown does not hold back. */
  readonly AGE_EXEMPT: readonly string[];
  readonly VULNERABILITIES: "refuse" | "report" | "off";
  /** OSV's batch query endpoint. */
  readonly OSV_URL: string;
  /** Advisories that do not stop a release, each with its reason. */
  readonly WAIVERS: readonly { readonly ID: string; readonly REASON: string }[];
  readonly PROVENANCE: "refuse-changed" | "record" | "off";
  /** PyPI's Integrity API (PEP 740), ending in `/integrity/`. */
  readonly INTEGRITY_URL: string;
  /** Project (normalized) -> the publisher identity it must come from, `github:OWNER/REPO`. */
  readonly PUBLISHERS: Readonly<Record<string, string>>;
}

/** The private host's bootstrap: install keyring from the auth repo and point pip at Artifact Registry. */
export interface BootstrapScriptView extends CommonScriptView {
  /** Index pip uses afterwards, with the `oauth2accesstoken@` user (private or virtual repo). */
  readonly index_url: string;
  /** Upload endpoint written to the system `.pypirc` for twine (the private packages repo). */
  readonly upload_repo_url: string;
  /** Requirement specifiers installed into the keyring venv (keyring and the AR backend). */
  readonly packages: readonly string[];
  /** Upper bound of polls while waiting for the auth repo to serve the helpers (a fresh mirror takes minutes). */
  readonly wait_attempts: number;
  /** Requirement specifier of the pip bootstrapped into the keyring venv. */
  readonly bootstrap_pip: string;
  /**
   * The targets a host may take a bundle for, one word per target: `PYTHON:ARCH:GLIBC`, e.g.
   * `3.11.2:x86_64:2.36`. The synth renders none (`[]`): the host takes its target from those the verified
   * signed set names a bundle for, so the script does not change when a target is added. A host that is none
   * of them is told so in its log.
   */
  readonly mirrored_targets: readonly string[];
  /** Where the keyring venv lives, e.g. `/opt/pip-airlock/keyring`. */
  readonly venv_dir: string;
  /** The directories `venv_dir` may lie below (config/host-paths.ts). */
  readonly owned_roots: readonly string[];
  /** What the scripts keep below those roots themselves: `venv_dir` may neither be nor hold them. */
  readonly product_state_paths: readonly string[];
  /** Bound of one install attempt into the keyring venv, in seconds. */
  readonly install_timeout_seconds: number;
  /** The mirror's signing key (as the mirror's `signing_key`); "" in remote mode, where nothing is signed. */
  readonly signing_key: string;
  /** Cloud KMS's REST endpoint, where the host reads the signing key's public key (Private Google Access). */
  readonly kms_endpoint: string;
  /** The hash-pinned lock the mirror downloads with (`mirror.lockFile`), or "": a host installs no file it does not pin. */
  readonly lock_content: string;
}
