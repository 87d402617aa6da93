import { z } from "zod";
import { isNetworkAddress, networkAddress, overlaps, parseCidr } from "./cidr";
import { consumerProblems, consumerRepositories, ConsumersContext, consumersSchema } from "./consumers";
import { firstControlCharacter, visibleString } from "./control-characters";
import { egressAllowList } from "./egress-allow";
import { fleetProblems, resolveFleet } from "./fleet-checks";
import { acceleratorsSchema, autoscalingSchema, bootDiskSchema, healthCheckSchema, updatePolicySchema } from "./fleet-schema";
import { ownedDirectory } from "./host-paths";
import { withSlashes } from "./path-hints";
import { iamMember } from "./iam-member";
import { timeZone } from "./time-zones";
import { helperPackageProblem } from "./helper-packages";
import { vmArchProblems } from "./image-arch";
import { ImageFamily, knownImagePattern, suggestImage, unknownPublicImagePattern, TARGET_ARCHES, TARGET_OS_KEYS } from "./images";
import { hostMachineTypeProblem, machineTypeProblem } from "./machine-types";
import { DEFAULT_NAME_PREFIX } from "./network-names";
import { normalizeName } from "./requirements";
import { publicImageProblems, resolveTargets } from "./targets";
import { REGION_ZONES, zoneProblem } from "./zones";

// Each rule's message says what is accepted, so the error line doubles as the fix.
const projectId = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    "must be a Google Cloud project id: 6-30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen",
  );
const region = z
  .string()
  .regex(/^[a-z]+-[a-z]+[0-9]{1,2}$/, 'must be a Google Cloud region such as "us-central1" or "europe-west4"');
const zone = z
  .string()
  .regex(/^[a-z]+-[a-z]+[0-9]{1,2}-[a-z]$/, 'must be a Google Cloud zone such as "us-central1-a"');
const resourceName = z
  .string()
  .regex(
    /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "must be a resource name: 1-63 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen",
  );
const repositoryId = z
  .string()
  .regex(
    /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "must be an Artifact Registry repository id: 1-63 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen",
  );
const ACCOUNT_ID = /^[a-z]([-a-z0-9]{4,28}[a-z0-9])$/;
const ACCOUNT_ID_RULE = "6-30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen";
const accountId = z.string().regex(ACCOUNT_ID, `must be a service account id: ${ACCOUNT_ID_RULE}`);
const cidr = z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (!parsed) {
    ctx.addIssue({ code: "custom", message: 'must be an IPv4 CIDR range such as "10.10.0.0/24"' });
  } else if (parsed.prefix < 8 || parsed.prefix > 29) {
    ctx.addIssue({ code: "custom", message: "must have a prefix length from /8 to /29 (a subnet range Google Cloud accepts)" });
  } else if (!isNetworkAddress(parsed)) {
    ctx.addIssue({ code: "custom", message: `has host bits set: use the network address "${networkAddress(parsed)}"` });
  }
});
// PEP 508 name with an optional version specifier; no URLs, markers or options, so nothing reaches pip as a
// flag. Only spaces between the parts: JavaScript's \s would also match line breaks. A control or
// line-separator character is refused first, with a message of its own (aborting the format check).
const requirement = z
  .string()
  .refine((value) => firstControlCharacter(value) === undefined, {
    abort: true,
    error: (issue) => {
      const value = String(issue.input);
      const found = firstControlCharacter(value)!;
      return `${visibleString(value)} holds ${found.description} at character ${found.column}: a requirement is one line of printable text, with no control or line-separator character: remove it (each requirement is an entry of its own)`;
    },
  })
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._,-]+\])? *((===?|!=|<=?|>=?|~=) *[A-Za-z0-9.*+!_-]+ *(, *(===?|!=|<=?|>=?|~=) *[A-Za-z0-9.*+!_-]+ *)*)?$/,
    'must be a package requirement such as "keyring" or "keyring>=25"',
  );
const pythonVersion = z.string().regex(/^3\.(8|9|1[0-9])$/, 'must be a CPython version such as "3.11"');
const pythonFullVersion = z.string().regex(/^3\.(9|1[0-9])(\.[0-9]{1,2})?$/, 'must be a CPython version >= 3.9 such as "3.11" or "3.11.2"');
const glibcVersion = z.string().regex(/^2\.(1[7-9]|[2-9][0-9])$/, 'must be a glibc version such as "2.36" (2.17 or newer)');
const platform = z
  .string()
  .regex(/^(manylinux(1|2010|2014)|manylinux_[0-9]+_[0-9]+|musllinux_[0-9]+_[0-9]+|linux)_(x86_64|aarch64)$/, 'must be a Linux wheel platform tag such as "manylinux_2_17_x86_64"');
const httpsUrl = z
  .string()
  .regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~%\/-]*)?$/, 'must be an https:// URL such as "https://pypi.org/simple/"');
const relativePath = withSlashes(z.string())
  .regex(/^[A-Za-z0-9._\/-]+$/, "must be a file path of letters, digits, '.', '_', '-' and '/'")
  .refine((p) => !p.startsWith("/"), "must be relative to the config file's folder, not an absolute path")
  .refine((p) => !p.split("/").includes(".."), "must not leave the config file's folder ('..')")
  // For editors, all three rules in one pattern: the characters, not absolute, no "..".
  .meta({ pattern: "^(?!/)(?!(.*/)?\\.\\.(/|$))[A-Za-z0-9._/-]+$" });
// Compute Engine's machine type names: shared-core (e2-micro/small/medium, f1-micro, g1-small),
// SERIES-KIND-SIZE with an optional suffix (n2-standard-4, c3-highcpu-22-lssd, a2-highgpu-1g,
// ct5lp-hightpu-4t), or custom ones; then the series must be one Compute Engine has (config/machine-types.ts).
const machineType = z
  .string()
  .regex(
    /^(e2-(micro|small|medium)|f1-micro|g1-small|[a-z][a-z0-9]{1,4}-(standard|highmem|highcpu|highgpu|megagpu|ultragpu|ultramem|megamem|hypermem|edgegpu|hightpu)-[1-9][0-9]*[gt]?(-(lssd|nolssd|metal|highlssd|standardlssd))?|([a-z][a-z0-9]{1,4}-)?custom-([1-9][0-9]*|micro|small|medium)-[1-9][0-9]*(-ext)?)$/,
    { message: 'must be a Compute Engine machine type such as "e2-small", "n2-standard-4", "n2-custom-2-4096" or "a2-highgpu-1g"', abort: true },
  )
  .superRefine((type, ctx) => {
    const problem = machineTypeProblem(type);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
// `IMAGE_PROJECT/IMAGE_OR_FAMILY` or the resource forms GCE also accepts.
// A refused one names the family it most likely meant (the project of a bare family name: `rocky-linux-9`);
// the public host's only among the Debian families it can run.
const IMAGE_FORMS = '"IMAGE_PROJECT/IMAGE_OR_FAMILY" such as "debian-cloud/debian-12", or "projects/IMAGE_PROJECT/global/images/[family/]NAME"';
const IMAGE_FORM = /^([a-z0-9-]+\/[a-z0-9-]+|(https:\/\/www\.googleapis\.com\/compute\/v1\/)?projects\/[a-z0-9-]+\/global\/images\/(family\/)?[a-z0-9-]+)$/;
function imageField(only?: (f: ImageFamily) => boolean) {
  return z.string().regex(IMAGE_FORM, {
    error: (issue) => {
      const given = String(issue.input);
      const guess = suggestImage(given, undefined, only);
      // The field cannot see the machine type: where the value names no CPU, the Arm twin is named too.
      const armTwin = /-(amd64|x86_64|arm64|aarch64)$/.test(given) ? undefined : suggestImage(given, "aarch64", only);
      const arm = armTwin && armTwin !== guess ? ` (or "${armTwin}" on an Arm machine type)` : "";
      return guess ? `"${given}" names no image project: did you mean "${guess}"${arm}? (an image is ${IMAGE_FORMS})` : `must be ${IMAGE_FORMS}`;
    },
  });
}
// The JSON Schema refuses what the table refuses too: an image of a public project that is no usable family;
// for the public host, anything but a Debian family it runs.
const image = imageField().meta({ not: { pattern: unknownPublicImagePattern() } });
const publicImage = imageField((f) => f.debian).meta({ allOf: [{ pattern: knownImagePattern((f) => f.debian) }] });
/** A target of `mirror.targets` or of a consumer: an image in the form of `hosts.image`, or what a custom image runs. */
const declaredTarget = z.union([image, z.strictObject({ python: pythonFullVersion, glibc: glibcVersion, arch: z.enum(TARGET_ARCHES) })]);
// unix-cron, as Cloud Scheduler reads it: five fields of digits, names, *, /, ',' and '-'.
const cron = z
  .string()
  .regex(/^[0-9A-Za-z*\/,-]+( +[0-9A-Za-z*\/,-]+){4}$/, 'must be a unix-cron expression of five fields, such as "0 3 * * 1" (Mondays 03:00)');
const bucket = z
  .string()
  .refine((b) => !b.startsWith("gs://"), 'must be the bucket name alone: drop "gs://"')
  .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, "must be a Cloud Storage bucket name: 3-63 lowercase letters, digits, '.', '_' or '-'");

/** Labels pip-airlock adds to every resource it labels; Google allows 64 per resource. */
export const RESERVED_LABELS = ["managed-by", "airlock-env", "airlock-role"] as const;
const MAX_USER_LABELS = 64 - RESERVED_LABELS.length;

const members = z.array(iamMember).default([]);
const readOnlyAccess = z.strictObject({ readers: members }).prefault({});
/** Cleanup policies of one repository: keep the newest versions of each package, delete the old ones. */
const cleanupPolicy = z
  .strictObject({
    /** Versions of each package always kept, however old. */
    keepNewest: z.number().int().min(1).max(1000, "must be at most 1000").default(10),
    /** Versions older than this (and not among the newest kept) are deleted. */
    deleteOlderThanDays: z.number().int().min(1).max(3650, "must be at most 3650").default(365),
    /** Only log what would be deleted. */
    dryRun: z.boolean().default(false),
  })
  .optional();
// CMEK: Artifact Registry needs the key in the repositories' own region.
const kmsKeyName = z
  .string()
  .regex(/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/keyRings\/[A-Za-z0-9_-]{1,63}\/cryptoKeys\/[A-Za-z0-9_-]{1,63}$/, 'must be a Cloud KMS key such as "projects/PROJECT/locations/REGION/keyRings/RING/cryptoKeys/KEY"');

// Cloud KMS resource ids (key rings, keys): its own rule, and the agent's (SIGNING_KEY) too.
const kmsResourceId = z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "must be a Cloud KMS name: 1-63 letters, digits, '_' or '-'");

/** The signing key's name when `mirror.signing.key` is not set: one per protection level (see signingSchema). */
export function defaultSigningKey(protectionLevel: "SOFTWARE" | "HSM"): string {
  return protectionLevel === "HSM" ? "mirror-signing-hsm" : "mirror-signing";
}

/**
 * The mirror's signing key (Cloud KMS, RSA_SIGN_PKCS1_3072_SHA256), in the repositories' region. Cloud KMS
 * never frees a key ring's or a key's name, and a key's protection level cannot change: the default key
 * name follows the protection level, so switching it makes a new key beside the old one.
 */
const signingSchema = z.strictObject({
  /** The key ring the stack creates for the signing key. */
  keyRing: kmsResourceId.default("pip-airlock-signing"),
  /** The signing key; by default "mirror-signing" (SOFTWARE) or "mirror-signing-hsm" (HSM). */
  key: kmsResourceId.optional(),
  /** Where the private key lives: software, or a Cloud HSM (FIPS 140-2 level 3; billed per key version). */
  protectionLevel: z.enum(["SOFTWARE", "HSM"]).default("SOFTWARE"),
  /** The key version the mirror signs with: rotate by creating a new version, then setting this. */
  keyVersion: z.number().int().min(1, "must be at least 1: Cloud KMS numbers a key's versions from 1").default(1),
});

// A project name as pip compares them (PEP 503 normalized): what the mirror's policy decisions name.
const normalizedProject = z.string().superRefine((name, ctx) => {
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name)) {
    ctx.addIssue({ code: "custom", message: 'must be a PyPI project name such as "keyring"' });
  } else if (normalizeName(name) !== name) {
    ctx.addIssue({ code: "custom", message: `must be the PEP 503 normalized name: write "${normalizeName(name)}"` });
  }
});
// The advisory databases OSV answers with for PyPI: GitHub (GHSA), the PyPA's (PYSEC) and CVE aliases.
const advisoryId = z
  .string()
  .regex(
    /^(GHSA(-[23456789cfghjmpqrvwx]{4}){3}|PYSEC-[0-9]{4}-[0-9]{1,7}|CVE-[0-9]{4}-[0-9]{4,7})$/,
    'must be an advisory id such as "GHSA-xxxx-xxxx-xxxx" (lowercase letters and digits of GitHub\'s alphabet), "PYSEC-2024-12" or "CVE-2024-12345"',
  );
const waiverReason = z
  .string()
  .refine((reason) => firstControlCharacter(reason) === undefined, "must be one line of printable text: remove the control or line-separator character")
  .refine((reason) => reason.trim().length > 0, "must say why the advisory does not apply: a reviewer reads it")
  .refine((reason) => reason.length <= 500, "must be at most 500 characters: link the review instead");
const githubPublisher = z
  .string()
  .regex(
    /^github:[A-Za-z0-9]([A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
    'must be "github:OWNER/REPO": the GitHub repository whose trusted publishing workflow uploads the project to PyPI (its PEP 740 attestations name it)',
  );

/** What the mirror lets into the auth repo, besides what `packages` and the lock ask for. */
const policySchema = z.strictObject({
  /** Days a release must have been on the source index before the mirror takes it (0: no cooldown). */
  minReleaseAgeDays: z.number().int().min(0, "must be at least 0 (0 turns the cooldown off)").max(365, "must be at most 365").default(7),
  /** Projects the cooldown does not hold back (PEP 503 normalized names), e.g. for an urgent fix. */
  ageExempt: z
    .array(normalizedProject)
    .refine((names) => new Set(names).size === names.length, "lists a project twice: list each once")
    .default([]),
  /** Known vulnerabilities (OSV): `refuse` a release with one, only `report` it, or `off`. */
  vulnerabilities: z.enum(["refuse", "report", "off"]).default("refuse"),
  /** Advisories that do not stop a release, each with the reason a reviewer accepted. */
  waivers: z
    .array(z.strictObject({ id: advisoryId, reason: waiverReason }))
    .refine((waivers) => new Set(waivers.map((w) => w.id)).size === waivers.length, "waives an advisory twice: keep one entry per id")
    .default([]),
  /** PEP 740 provenance: `refuse-changed` a release whose publisher differs from the one recorded, only `record` it, or `off`. */
  provenance: z.enum(["refuse-changed", "record", "off"]).default("refuse-changed"),
  /** The publisher each project must come from (`github:OWNER/REPO`), instead of the first one recorded. */
  publishers: z.record(normalizedProject, githubPublisher).default({}),
});

const networkSchema = z.strictObject({
  /** The VPC the stack creates, or the name of the existing one (`existing`). */
  name: resourceName,
  /** Primary range of the created VPC's one subnet (not for an existing VPC). */
  subnetCidr: cidr.optional(),
  /** Use an existing VPC and subnet instead of creating them: in this project, or a Shared VPC host project. */
  existing: z
    .strictObject({
      /** The project that owns the VPC (a Shared VPC host project); by default projectId. */
      project: projectId.optional(),
      /** The subnet, in `region`, the hosts sit on. */
      subnet: resourceName,
    })
    .optional(),
});

const privateNetworkSchema = networkSchema.extend({
  /** Which Google APIs VIP the private VPC reaches: `private` (199.36.153.8/30) or `restricted` (VPC-SC, 199.36.153.4/30). */
  googleApis: z.enum(["private", "restricted"]).default("private"),
  /**
   * How the VMs resolve Google APIs to the VIP: `zones` (private zones googleapis.com. and pkg.dev.),
   * `response-policy` (a response policy answering only the names the VMs need), `external` (an existing
   * VPC's own DNS: the network team's, or another environment's on the same VPC).
   */
  dns: z.enum(["zones", "response-policy", "external"]).default("zones"),
  /** An existing VPC only: what the names of the stack's rules, route and DNS there start with, before the environment's name. */
  namePrefix: z
    .string()
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, "must be lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen")
    .default(DEFAULT_NAME_PREFIX),
  /** For an existing VPC, what the stack adds for private access (the network team may own some already). */
  manage: z
    .strictObject({
      /** The route of the VIP range to Google's front ends: one environment on a VPC owns it, the others depend on it. */
      googleApisRoute: z.boolean().default(true),
      /** Egress: tcp/443 to the VIP allowed, all else denied (for this environment's airlock VMs' service accounts). */
      egressRules: z.boolean().default(true),
      /** SSH from IAP to this environment's airlock VMs' service accounts. */
      iapSshRule: z.boolean().default(true),
    })
    .prefault({}),
  /** Internal destinations the private host and the fleet may reach besides Google APIs (NFS, databases, each other). */
  allowEgress: egressAllowList,
});

/** The settings of one environment (one Terraform stack). */
export const environmentSchema = z
  .strictObject({
    projectId,
    region,
    zone,
    /** `mirror`: a public host fills the auth repo from PyPI. `remote`: an AR remote repo proxies PyPI. */
    mode: z.enum(["mirror", "remote"]).default("mirror"),
    labels: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, "label keys: lowercase letters, digits, '_' or '-'"), z.string().regex(/^[a-z0-9_-]{0,63}$/, "label values: at most 63 lowercase letters, digits, '_' or '-'"))
      .refine((l) => Object.keys(l).length <= MAX_USER_LABELS, `must hold at most ${MAX_USER_LABELS} labels: Google allows 64 per resource and pip-airlock adds ${RESERVED_LABELS.join(", ")}`)
      .refine((l) => !RESERVED_LABELS.some((k) => k in l), `must not set ${RESERVED_LABELS.join(", ")}: pip-airlock sets those`)
      .default({}),
    /** `public` is needed in mirror mode only. */
    networks: z.strictObject({ public: networkSchema.optional(), private: privateNetworkSchema }),
    repositories: z.strictObject({
      /** Holds only the auth helpers (keyring and the AR backend). */
      auth: repositoryId.default("pip-auth-repo"),
      /** Holds your private packages. */
      private: repositoryId.default("my-private-pip-packages"),
      /** `remote` mode: the AR remote repo that proxies PyPI. */
      remote: repositoryId.default("pypi-remote"),
      /**
       * `remote` mode behind the restricted VIP (VPC Service Controls): Artifact Registry blocks a remote
       * repository's upstream inside a perimeter unless the project's AR VPC-SC policy allows it.
       * `manage`: this stack sets the policy to ALLOW; `external`: it is set elsewhere.
       */
      vpcscPolicy: z.enum(["manage", "external"]).optional(),
      /** Optional virtual repo serving all of the above behind one index, private packages first. */
      virtual: z.strictObject({ enabled: z.boolean().default(false), id: repositoryId.default("pip-all") }).prefault({}),
      /** Principals granted each repository, beyond the airlock hosts; repository-scoped, never project roles. */
      access: z
        .strictObject({
          private: z.strictObject({ readers: members, writers: members }).prefault({}),
          virtual: readOnlyAccess,
          remote: readOnlyAccess,
          auth: z
            .strictObject({
              readers: members,
              writers: z.array(z.string()).max(0, "must stay empty: the auth repo holds only what the mirror uploads, and only the public host writes to it").default([]),
            })
            .prefault({}),
        })
        .prefault({}),
      /** Cleanup policies: none unless set. */
      cleanup: z.strictObject({ auth: cleanupPolicy, private: cleanupPolicy }).prefault({}),
      /** Customer-managed encryption key for every repository the stack creates. */
      kmsKeyName: kmsKeyName.optional(),
    }).prefault({}),
    mirror: z
      .strictObject({
        packages: z.array(requirement).min(1, "must list at least one package").default(["keyring", "keyrings.google-artifactregistry-auth"]),
        /**
         * VMs outside the stack that run the bootstrap (the stack's own VMs are targets by their images):
         * an image in the form of `hosts.image`, or what a custom image runs.
         */
        targets: z.array(declaredTarget).default([]),
        /** Older form of the targets' CPython versions: may only agree with the VMs' images. */
        pythonVersions: z.array(pythonVersion).min(1, "must list at least one Python version").optional(),
        /** Older form of the private hosts' OS: may only agree with the VMs' images. */
        targetImage: z.enum(TARGET_OS_KEYS).optional(),
        targetArch: z.enum(TARGET_ARCHES).optional(),
        /** Explicit wheel platform tags for every target (one glibc and CPU only); by default each target's own. */
        platforms: z.array(platform).min(1, "must list at least one platform tag").optional(),
        /** Requirement of the pip that bare private hosts bootstrap with (keyring-provider needs >= 23.1). */
        bootstrapPip: requirement.default("pip>=23.1"),
        /** Hash-pinned requirements file, relative to the config file; downloads then use --require-hashes. */
        lockFile: relativePath.optional(),
        sourceIndexUrl: httpsUrl.default("https://pypi.org/simple/"),
        /** Stop the public host once the mirror succeeded (it holds write access and internet egress). */
        stopWhenDone: z.boolean().default(true),
        /** Re-run the mirror on a schedule (unix-cron, e.g. "0 3 * * 1"): a Cloud Scheduler job starts the stopped public host (so it needs stopWhenDone). Remote mode has no mirror: there it does nothing. */
        schedule: cron.optional(),
        /** The time zone `schedule` is read in (IANA). */
        scheduleTimeZone: timeZone.default("Etc/UTC"),
        /** The schedule's service account id; by default the public host's account id plus "-sched". */
        scheduleAccountId: accountId.optional(),
        /** Mirror mode: the Cloud KMS key the mirror signs what it publishes with (defaults when absent). */
        signing: signingSchema.optional(),
        /** Mirror mode: the cooldown, vulnerability and provenance checks of what the mirror publishes (defaults when absent). */
        policy: policySchema.optional(),
      })
      .prefault({}),
    hosts: z.strictObject({
      machineType: machineType.default("e2-small"),
      /** The private host's image: its CPython and glibc are a target of the mirror. */
      image: image.default("debian-cloud/debian-12"),
      /** The public host's image: a Debian the mirror script supports, whatever the private side runs. */
      publicImage: publicImage.default("debian-cloud/debian-12"),
      publicName: resourceName.default("airlock-public-host"),
      privateName: resourceName.default("airlock-private-host"),
      /** Create the private host; false for repositories, network plumbing and the bootstrap for your own VMs. */
      createPrivateHost: z.boolean().default(true),
      /** Service account ids; by default the host names. */
      publicAccountId: accountId.optional(),
      privateAccountId: accountId.optional(),
      /** Where the private host's keyring venv lives. */
      keyringVenv: ownedDirectory.prefault("/opt/pip-airlock/keyring"),
    }).prefault({}),
    retries: z
      .strictObject({
        maxAttempts: z.number().int().min(1).max(30, "must be at most 30").default(8),
        maxBackoffSeconds: z.number().int().min(1).max(600, "must be at most 600").default(30),
        /** Polls of the auth repo before the private host gives up waiting for the mirror. */
        waitAttempts: z.number().int().min(1).max(200, "must be at most 200").default(32),
      })
      .prefault({}),
    /** VMs of your own on the private network: an instance template carrying the bootstrap, and optionally a group. */
    fleet: z
      .strictObject({
        /** Name prefix of the template, and the managed instance group's name (it adds 5 characters per VM). */
        name: z.string().regex(/^[a-z]([-a-z0-9]{0,56}[a-z0-9])?$/, "must be 1-58 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen"),
        /** VMs in a managed instance group built from the template (zonal, or regional with `zones`); 0 for the template alone. */
        size: z.number().int().min(0).max(2000, "must be at most 2000").default(0),
        machineType: machineType.default("e2-small"),
        image: image.default("debian-cloud/debian-12"),
        /** The fleet's service account id; by default the fleet's name. */
        accountId: accountId.optional(),
        bootDisk: bootDiskSchema,
        accelerators: acceleratorsSchema,
        /** Zones of `region` for a regional group; absent: a zonal group in `zone`. */
        zones: z.array(zone).min(1, "must list at least one zone (or remove it for a zonal group in zone)").optional(),
        updatePolicy: updatePolicySchema.optional(),
        autoscaling: autoscalingSchema.optional(),
        healthCheck: healthCheckSchema.optional(),
      })
      .optional(),
    /** Other teams' workloads that bootstrap from this stack, by name: their accounts, images and repositories (config/consumers.ts). */
    consumers: consumersSchema(declaredTarget),
    logging: z
      .strictObject({
        /** VPC flow logs on both subnets; the defaults keep their volume (and bill) small. */
        flowLogs: z
          .strictObject({
            enabled: z.boolean().default(true),
            aggregationInterval: z.enum(["INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN", "INTERVAL_10_MIN", "INTERVAL_15_MIN"]).default("INTERVAL_5_MIN"),
            flowSampling: z.number().gt(0, "must be above 0 (disable flow logs with enabled: false)").max(1, "must be at most 1").default(0.5),
            metadata: z.enum(["INCLUDE_ALL_METADATA", "EXCLUDE_ALL_METADATA"]).default("EXCLUDE_ALL_METADATA"),
          })
          .prefault({}),
        /** Log every connection the allow rules let through; denied connections are always logged. */
        allowedConnections: z.boolean().default(false),
      })
      .prefault({}),
    /** Time bounds, in seconds, of one attempt of each step that waits on another host (`retries` bounds the attempts). */
    timeouts: z
      .strictObject({
        downloadSeconds: z.number().int().min(30, "must be at least 30").max(7200, "must be at most 7200").default(900),
        uploadSeconds: z.number().int().min(30, "must be at least 30").max(7200, "must be at most 7200").default(600),
        installSeconds: z.number().int().min(30, "must be at least 30").max(7200, "must be at most 7200").default(600),
        pipSocketSeconds: z.number().int().min(5, "must be at least 5").max(600, "must be at most 600").default(60),
        dpkgLockSeconds: z.number().int().min(0, "must be at least 0").max(3600, "must be at most 3600").default(600),
      })
      .prefault({}),
    /** Terraform state in Cloud Storage; local state when absent. */
    stateBucket: z.strictObject({ bucket, prefix: z.string().regex(/^[A-Za-z0-9._\/-]*$/, "must be a path prefix").default("pip-airlock") }).optional(),
  })
  .superRefine((env, ctx) => {
    if (!env.zone.startsWith(`${env.region}-`)) {
      ctx.addIssue({ code: "custom", path: ["zone"], message: `must be a zone of region "${env.region}", such as "${env.region}-${REGION_ZONES[env.region]?.[0] ?? "a"}"` });
    }
    const badZone = zoneProblem(env.region, env.zone);
    if (badZone) ctx.addIssue({ code: "custom", path: ["zone"], message: badZone });
    const publicNetwork = env.networks.public;
    if (env.mode === "mirror" && !publicNetwork) {
      ctx.addIssue({ code: "custom", path: ["networks", "public"], message: 'is required in mirror mode: add { "name": ..., "subnetCidr": ... } or use mode "remote"' });
    }
    for (const side of ["public", "private"] as const) {
      const network = env.networks[side];
      if (!network) continue;
      if (!network.existing && !network.subnetCidr) {
        ctx.addIssue({ code: "custom", path: ["networks", side, "subnetCidr"], message: `is required when the stack creates the VPC: add a range, or name an existing subnet in networks.${side}.existing` });
      }
      if (network.existing && network.subnetCidr) {
        ctx.addIssue({ code: "custom", path: ["networks", side, "subnetCidr"], message: "does not apply to an existing VPC (its subnet has its range): remove it" });
      }
    }
    const privateNet = env.networks.private;
    if (!privateNet.existing && Object.values(privateNet.manage).includes(false)) {
      ctx.addIssue({ code: "custom", path: ["networks", "private", "manage"], message: "applies to an existing VPC only: a VPC the stack creates always gets its route, zones and rules" });
    }
    if (!privateNet.existing && privateNet.dns === "external") {
      ctx.addIssue({ code: "custom", path: ["networks", "private", "dns"], message: '"external" applies to an existing VPC only: a VPC the stack creates has no other DNS. Use "zones" or "response-policy"' });
    }
    if (privateNet.existing && privateNet.manage.egressRules && !env.hosts.createPrivateHost && !env.fleet && Object.keys(env.consumers).length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["networks", "private", "manage", "egressRules"],
        message: "has no airlock VM to apply to in an existing VPC (no private host, no fleet, no consumers), and the stack never restricts other VMs there: set it to false and restrict egress yourself",
      });
    }
    const pub = publicNetwork?.subnetCidr ? parseCidr(publicNetwork.subnetCidr) : undefined;
    const priv = privateNet.subnetCidr ? parseCidr(privateNet.subnetCidr) : undefined;
    if (publicNetwork && pub && priv && overlaps(pub, priv)) {
      ctx.addIssue({ code: "custom", path: ["networks", "private", "subnetCidr"], message: `overlaps networks.public.subnetCidr (${publicNetwork.subnetCidr}): choose a range outside it` });
    }
    const repos = env.repositories;
    const ids = [
      ["auth", repos.auth],
      ["private", repos.private],
      ...(env.mode === "remote" ? [["remote", repos.remote]] : []),
      ...(repos.virtual.enabled ? [["virtual", repos.virtual.id]] : []),
    ];
    const seen = new Map<string, string>();
    for (const [key, id] of ids) {
      const other = seen.get(id);
      if (other) {
        ctx.addIssue({ code: "custom", path: ["repositories", key === "virtual" ? "virtual" : key], message: `repeats the id "${id}" of repositories.${other}: every repository needs its own id` });
      }
      seen.set(id, key);
    }
    if (env.hosts.publicName === env.hosts.privateName) {
      ctx.addIssue({ code: "custom", path: ["hosts", "privateName"], message: "must differ from hosts.publicName" });
    }
    for (const side of ["public", "private"] as const) {
      const name = env.hosts[`${side}Name`];
      if (env.hosts[`${side}AccountId`] === undefined && !ACCOUNT_ID.test(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["hosts", `${side}AccountId`],
          message: `defaults to hosts.${side}Name "${name}", which is no service account id (${ACCOUNT_ID_RULE}): set hosts.${side}AccountId`,
        });
      }
    }
    if (env.fleet && env.fleet.accountId === undefined && !ACCOUNT_ID.test(env.fleet.name)) {
      ctx.addIssue({ code: "custom", path: ["fleet", "accountId"], message: `defaults to fleet.name "${env.fleet.name}", which is no service account id (${ACCOUNT_ID_RULE}): set fleet.accountId` });
    }
    for (const problem of env.fleet ? fleetProblems(env.fleet, env.region) : []) {
      ctx.addIssue({ code: "custom", path: ["fleet", ...problem.path], message: problem.message });
    }
    const hostType = hostMachineTypeProblem(env.hosts.machineType);
    if (hostType) ctx.addIssue({ code: "custom", path: ["hosts", "machineType"], message: hostType });
    const helpers = helperPackageProblem(env.mirror.packages);
    if (helpers) ctx.addIssue({ code: "custom", path: ["mirror", "packages"], message: helpers });
    for (const problem of vmArchProblems(env)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
    if (env.networks.private.allowEgress.length > 0 && !env.hosts.createPrivateHost && !env.fleet && Object.keys(env.consumers).length === 0) {
      ctx.addIssue({ code: "custom", path: ["networks", "private", "allowEgress"], message: "holds for the private host, the fleet and the consumers, and the stack has none: remove it, or add a fleet or a consumer" });
    }
    const fleetAccount = env.fleet ? env.fleet.accountId ?? env.fleet.name : undefined;
    if (fleetAccount && [accountIds(env).public, accountIds(env).private].includes(fleetAccount)) {
      ctx.addIssue({ code: "custom", path: ["fleet", "accountId"], message: `"${fleetAccount}" is already a host's service account: the fleet gets its own` });
    }
    if (accountIds(env).public === accountIds(env).private) {
      ctx.addIssue({ code: "custom", path: ["hosts", "privateAccountId"], message: "must differ from hosts.publicAccountId: each host gets its own service account" });
    }
    const kmsLocation = env.repositories.kmsKeyName?.split("/")[3];
    if (kmsLocation && kmsLocation !== env.region) {
      ctx.addIssue({ code: "custom", path: ["repositories", "kmsKeyName"], message: `is in location "${kmsLocation}": Artifact Registry needs a key in the repositories' region "${env.region}"` });
    }
    const absent: Array<["auth" | "remote", boolean]> = [["auth", env.mode === "remote"], ["remote", env.mode === "mirror"]];
    for (const [repo, missing] of absent) {
      if (missing && env.repositories.access[repo].readers.length > 0) {
        ctx.addIssue({ code: "custom", path: ["repositories", "access", repo, "readers"], message: `names readers of the ${repo} repository, which ${env.mode} mode does not create: remove them` });
      }
    }
    if (env.repositories.access.virtual.readers.length > 0 && !env.repositories.virtual.enabled) {
      ctx.addIssue({ code: "custom", path: ["repositories", "access", "virtual", "readers"], message: "names readers of a virtual repository that is not enabled: set repositories.virtual.enabled or remove them" });
    }
    const scheduleAccount = env.mirror.scheduleAccountId ?? `${accountIds(env).public}-sched`;
    if (env.mirror.schedule && env.mode === "mirror" && env.mirror.scheduleAccountId === undefined && !ACCOUNT_ID.test(scheduleAccount)) {
      ctx.addIssue({ code: "custom", path: ["mirror", "scheduleAccountId"], message: `defaults to "${scheduleAccount}", which is no service account id (${ACCOUNT_ID_RULE}): set mirror.scheduleAccountId` });
    }
    // Remote mode has no mirror: there the schedule is ignored, and stopWhenDone with it.
    if (env.mirror.schedule && env.mode === "mirror" && !env.mirror.stopWhenDone) {
      ctx.addIssue({
        code: "custom",
        path: ["mirror", "stopWhenDone"],
        message:
          "is false while mirror.schedule re-runs the mirror: the schedule starts the public host (compute.instances.start), which does nothing to a VM that is running, " +
          "so a mirror that never stops is never re-run by it (and keeps a VM with internet egress and write access to the auth repo running). " +
          "Remove mirror.stopWhenDone or set it to true, or drop mirror.schedule",
      });
    }
    if (env.mode === "remote" && env.networks.private.googleApis === "restricted" && !env.repositories.vpcscPolicy) {
      ctx.addIssue({
        code: "custom",
        path: ["repositories", "vpcscPolicy"],
        message:
          "is required in remote mode behind the restricted VIP: inside a VPC Service Controls perimeter the PyPI remote repository cannot reach PyPI until Artifact Registry's VPC-SC policy allows it. " +
          `Set "manage" to let this stack allow it, or run "gcloud artifacts vpcsc-config allow --project=${env.projectId} --location=${env.region}" and set "external"`,
      });
    }
    // Remote mode has no mirror: nothing signs what the PyPI remote repository serves, nor checks it. A
    // policy that silently did nothing would promise a protection the hosts do not get.
    if (env.mode === "remote") {
      for (const part of ["signing", "policy"] as const) {
        if (env.mirror[part] === undefined) continue;
        ctx.addIssue({
          code: "custom",
          path: ["mirror", part],
          message:
            `does not apply in remote mode: there is no mirror, and the PyPI remote repository serves PyPI's files as they are, ${part === "signing" ? "unsigned" : "with no cooldown, vulnerability or provenance check"}. ` +
            'Remove it, or use mode "mirror" (with environments: set it only in the environments of mode "mirror")',
        });
      }
    }
    const policy = env.mirror.policy;
    if (policy && policy.minReleaseAgeDays === 0 && policy.ageExempt.length > 0) {
      ctx.addIssue({ code: "custom", path: ["mirror", "policy", "ageExempt"], message: "exempts projects from a cooldown that is off (minReleaseAgeDays 0): remove them, or set mirror.policy.minReleaseAgeDays" });
    }
    if (policy && policy.vulnerabilities === "off" && policy.waivers.length > 0) {
      ctx.addIssue({ code: "custom", path: ["mirror", "policy", "waivers"], message: 'waive advisories the mirror does not look up (vulnerabilities "off"): remove them, or set mirror.policy.vulnerabilities to "refuse" or "report"' });
    }
    if (policy && policy.provenance === "off" && Object.keys(policy.publishers).length > 0) {
      ctx.addIssue({ code: "custom", path: ["mirror", "policy", "publishers"], message: 'name publishers the mirror does not check (provenance "off"): remove them, or set mirror.policy.provenance to "refuse-changed" or "record"' });
    }
    // The CMEK key must exist before the stack (docs/configuration.md); the stack creates the signing key ring itself.
    const cmekRing = env.repositories.kmsKeyName?.split("/").slice(0, 6).join("/");
    const signingRing = env.mirror.signing?.keyRing ?? signingSchema.parse({}).keyRing;
    if (env.mode === "mirror" && cmekRing === `projects/${env.projectId}/locations/${env.region}/keyRings/${signingRing}`) {
      ctx.addIssue({
        code: "custom",
        path: ["mirror", "signing", "keyRing"],
        message: `"${signingRing}" is the key ring of repositories.kmsKeyName, which must exist before a deploy, while the stack creates the signing key's key ring itself: name another key ring (mirror.signing.keyRing)`,
      });
    }
  })
  .superRefine((env, ctx) => {
    for (const problem of [...resolveTargets(env).problems, ...publicImageProblems(env), ...consumerProblems(env.consumers, consumersContext(env))]) {
      ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
    }
  })
  .transform((env, ctx) => {
    const resolved = {
      ...env,
      mirror: { ...env.mirror, targets: resolveTargets(env).targets },
      hosts: { ...env.hosts, publicAccountId: accountIds(env).public, privateAccountId: accountIds(env).private },
      fleet: env.fleet ? { ...resolveFleet(env.fleet), accountId: env.fleet.accountId ?? env.fleet.name } : undefined,
      consumers: Object.fromEntries(
        Object.entries(env.consumers).map(([name, c]) => [name, { ...c, repositories: consumerRepositories(c, env.mode, env.repositories.virtual.enabled) }]),
      ),
    };
    if (env.mode === "remote") return { ...resolved, mode: "remote" as const, mirror: { ...resolved.mirror, signing: undefined, policy: undefined }, schedule: undefined };
    const publicNetwork = env.networks.public;
    if (!publicNetwork) {
      // Unreachable: superRefine refuses this first, and zod runs a transform on a valid value only.
      ctx.addIssue({ code: "custom", path: ["networks", "public"], message: "is required in mirror mode" });
      return z.NEVER;
    }
    const signing = env.mirror.signing ?? signingSchema.parse({});
    return {
      ...resolved,
      mode: "mirror" as const,
      mirror: {
        ...resolved.mirror,
        signing: { ...signing, key: signing.key ?? defaultSigningKey(signing.protectionLevel) },
        policy: env.mirror.policy ?? policySchema.parse({}),
      },
      networks: { ...env.networks, public: publicNetwork },
      schedule: env.mirror.schedule
        ? { cron: env.mirror.schedule, timeZone: env.mirror.scheduleTimeZone, accountId: env.mirror.scheduleAccountId ?? `${accountIds(env).public}-sched` }
        : undefined,
    };
  });

/** What the consumers are checked against: the repositories, the stack's own accounts, the private network's rules. */
function consumersContext(env: {
  readonly mode: "mirror" | "remote";
  readonly projectId: string;
  readonly hosts: { readonly publicName: string; readonly privateName: string; readonly publicAccountId?: string; readonly privateAccountId?: string; readonly createPrivateHost: boolean };
  readonly fleet?: { readonly name: string; readonly accountId?: string };
  readonly mirror: { readonly schedule?: string; readonly scheduleAccountId?: string };
  readonly repositories: { readonly virtual: { readonly enabled: boolean }; readonly access: Record<"auth" | "remote" | "private" | "virtual", { readonly readers: readonly string[] }> };
  readonly networks: { readonly private: { readonly existing?: unknown; readonly manage: { readonly iapSshRule: boolean; readonly egressRules: boolean } } };
}): ConsumersContext {
  const ids = accountIds(env);
  const own: Array<[string, string | undefined]> = [
    ["hosts.publicAccountId", env.mode === "mirror" ? ids.public : undefined],
    ["hosts.privateAccountId", env.hosts.createPrivateHost ? ids.private : undefined],
    ["fleet.accountId", env.fleet ? env.fleet.accountId ?? env.fleet.name : undefined],
    ["mirror.scheduleAccountId", env.mode === "mirror" && env.mirror.schedule ? env.mirror.scheduleAccountId ?? `${ids.public}-sched` : undefined],
  ];
  const priv = env.networks.private;
  return {
    mode: env.mode,
    virtualEnabled: env.repositories.virtual.enabled,
    readers: { auth: env.repositories.access.auth.readers, remote: env.repositories.access.remote.readers, private: env.repositories.access.private.readers, virtual: env.repositories.access.virtual.readers },
    ownAccounts: own.flatMap(([field, id]) => (id ? [{ field, email: `${id}@${env.projectId}.iam.gserviceaccount.com` }] : [])),
    ownRuleAccounts: (env.hosts.createPrivateHost ? 1 : 0) + (env.fleet ? 1 : 0),
    rulesNameAccounts: !priv.existing || priv.manage.iapSshRule || priv.manage.egressRules,
  };
}

/** Service account ids follow the host names unless set. */
function accountIds(env: { hosts: { publicName: string; privateName: string; publicAccountId?: string; privateAccountId?: string } }) {
  return { public: env.hosts.publicAccountId ?? env.hosts.publicName, private: env.hosts.privateAccountId ?? env.hosts.privateName };
}

/**
 * One environment's settings, resolved. `mode` discriminates: a mirror-mode config always has
 * `networks.public` and may have a `schedule`; a remote-mode config never has a schedule.
 */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type MirrorModeConfig = Extract<EnvironmentConfig, { mode: "mirror" }>;

/** The mirror's signing key, `projects/P/locations/L/keyRings/R/cryptoKeys/K`: known from the config alone, so the scripts carry it verbatim. */
export function signingKeyName(config: MirrorModeConfig): string {
  const { keyRing, key } = config.mirror.signing;
  return `projects/${config.projectId}/locations/${config.region}/keyRings/${keyRing}/cryptoKeys/${key}`;
}

/** The mirror's policy, resolved (mirror mode). */
export type MirrorPolicy = MirrorModeConfig["mirror"]["policy"];

export const environmentName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "environment names: lowercase letters, digits or '-', starting with a letter");

/**
 * The config file: the settings of one environment, plus optional `environments` whose entries override
 * them (objects merge key by key, lists and values replace) and are each synthesized as a stack of their own.
 */
export const configFileSchema = z.looseObject({
  /** The JSON Schema editors validate and complete the file with (schema/pip-airlock.schema.json); ignored by the synth. */
  $schema: z.string().optional(),
  name: environmentName.default("airlock"),
  environments: z.record(environmentName, z.record(z.string(), z.unknown())).optional(),
});
