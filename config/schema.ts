import { z } from "zod";
import { accountId, accountIds, defaultScheduleAccountId, fleetAccountId } from "./account-ids";
import { isNetworkAddress, leadingZeroProblem, networkAddress, parseCidr } from "./cidr";
import { consumerRepositories, consumersSchema } from "./consumers";
import { firstControlCharacter, visibleString } from "./control-characters";
import { egressAllowList } from "./egress-allow";
import { checkCrossFieldRules } from "./cross-field-rules";
import { resolveFleet } from "./fleet-checks";
import { acceleratorsSchema, autoscalingSchema, bootDiskSchema, healthCheckSchema, updatePolicySchema } from "./fleet-schema";
import { ownedDirectory } from "./host-paths";
import { withSlashes } from "./path-hints";
import { iamMember } from "./iam-member";
import { timeZone } from "./time-zones";
import { ImageFamily, knownImagePattern, suggestImage, unknownPublicImagePattern, TARGET_ARCHES, TARGET_OS_KEYS } from "./images";
import { machineTypeProblem } from "./machine-types";
import { policySchema } from "./mirror-policy";
import { DEFAULT_NAME_PREFIX } from "./network-names";
import { defaultSigningKey, signingSchema } from "./signing";
import { resolveTargets } from "./targets";

// Each rule's message says what is accepted, so the error line doubles as the fix.
const projectId = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    "must be a Google Cloud project id: 6-30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen",
  );
const region = z.string().regex(/^[a-z]+-[a-z]+[0-9]{1,2}$/, 'must be a Google Cloud region such as "us-central1" or "europe-west4"');
const zone = z.string().regex(/^[a-z]+-[a-z]+[0-9]{1,2}-[a-z]$/, 'must be a Google Cloud zone such as "us-central1-a"');
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
const cidr = z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (!parsed) {
    ctx.addIssue({ code: "custom", message: leadingZeroProblem(value) ?? 'must be an IPv4 CIDR range such as "10.10.0.0/24"' });
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
  .regex(
    /^(manylinux(1|2010|2014)|manylinux_[0-9]+_[0-9]+|musllinux_[0-9]+_[0-9]+|linux)_(x86_64|aarch64)$/,
    'must be a Linux wheel platform tag such as "manylinux_2_17_x86_64"',
  );
const httpsUrl = z
  .string()
  .regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~%/-]*)?$/, 'must be an https:// URL such as "https://pypi.org/simple/"');
const relativePath = withSlashes(z.string())
  .regex(/^[A-Za-z0-9._/-]+$/, "must be a file path of letters, digits, '.', '_', '-' and '/'")
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
    {
      message: 'must be a Compute Engine machine type such as "e2-small", "n2-standard-4", "n2-custom-2-4096" or "a2-highgpu-1g"',
      abort: true,
    },
  )
  .superRefine((type, ctx) => {
    const problem = machineTypeProblem(type);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
// `IMAGE_PROJECT/IMAGE_OR_FAMILY` or the resource forms GCE also accepts.
// A refused one names the family it most likely meant (the project of a bare family name: `rocky-linux-9`);
// the public host's only among the Debian families it can run.
const IMAGE_FORMS =
  '"IMAGE_PROJECT/IMAGE_OR_FAMILY" such as "debian-cloud/debian-12", or "projects/IMAGE_PROJECT/global/images/[family/]NAME"';
const IMAGE_FORM =
  /^([a-z0-9-]+\/[a-z0-9-]+|(https:\/\/www\.googleapis\.com\/compute\/v1\/)?projects\/[a-z0-9-]+\/global\/images\/(family\/)?[a-z0-9-]+)$/;
function imageField(only?: (f: ImageFamily) => boolean) {
  return z.string().regex(IMAGE_FORM, {
    error: (issue) => {
      const given = String(issue.input);
      const guess = suggestImage(given, undefined, only);
      // The field cannot see the machine type: where the value names no CPU, the Arm twin is named too.
      const armTwin = /-(amd64|x86_64|arm64|aarch64)$/.test(given) ? undefined : suggestImage(given, "aarch64", only);
      const arm = armTwin && armTwin !== guess ? ` (or "${armTwin}" on an Arm machine type)` : "";
      return guess
        ? `"${given}" names no image project: did you mean "${guess}"${arm}? (an image is ${IMAGE_FORMS})`
        : `must be ${IMAGE_FORMS}`;
    },
  });
}
// The JSON Schema refuses what the table refuses too: an image of a public project that is no usable family;
// for the public host, anything but a Debian family it runs.
const image = imageField().meta({ not: { pattern: unknownPublicImagePattern() } });
const publicImage = imageField((f) => f.debian).meta({ allOf: [{ pattern: knownImagePattern((f) => f.debian) }] });
/** A target of `mirror.targets` or of a consumer: an image in the form of `hosts.image`, or what a custom image runs. */
const declaredTarget = z.union([
  image,
  z
    .strictObject({
      python: pythonFullVersion.describe("The CPython version the custom image runs, such as `3.11` (3.9 or newer)."),
      glibc: glibcVersion.describe("Its glibc version, such as `2.36` (2.17 or newer)."),
      arch: z.enum(TARGET_ARCHES).describe("Its CPU: `x86_64` or `aarch64`."),
    })
    .describe("What a custom image runs: its CPython, glibc and CPU."),
]);
// unix-cron, as Cloud Scheduler reads it: five fields of digits, names, *, /, ',' and '-'.
const cron = z
  .string()
  .regex(/^[0-9A-Za-z*/,-]+( +[0-9A-Za-z*/,-]+){4}$/, 'must be a unix-cron expression of five fields, such as "0 3 * * 1" (Mondays 03:00)');
const bucket = z
  .string()
  .refine((b) => !b.startsWith("gs://"), 'must be the bucket name alone: drop "gs://"')
  .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, "must be a Cloud Storage bucket name: 3-63 lowercase letters, digits, '.', '_' or '-'");

/** What `mirror.pythonVersions`, `.targetImage` and `.targetArch` say of themselves. */
const OLDER_TARGET_SETTING =
  "derived from the images now. If set, it must agree with every VM's image (a contradiction is refused, naming both fields); without any VM in the stack it may still declare the targets.";

/** Labels pip-airlock adds to every resource it labels; Google allows 64 per resource. */
export const RESERVED_LABELS = ["managed-by", "airlock-env", "airlock-role"] as const;
const MAX_USER_LABELS = 64 - RESERVED_LABELS.length;

const members = z.array(iamMember).default([]);
/** Who reads a repository that takes no writers of its own (`virtual`, `remote`). */
const readOnlyAccess = (repository: string) =>
  z
    .strictObject({ readers: members.describe(`IAM members granted read on ${repository}.`) })
    .prefault({})
    .describe(`Who reads ${repository}.`);
/** Cleanup policies of one repository: keep the newest versions of each package, delete the old ones. */
const cleanupPolicy = z
  .strictObject({
    keepNewest: z
      .number()
      .int()
      .min(1)
      .max(1000, "must be at most 1000")
      .default(10)
      .describe("Versions of each package always kept, however old."),
    deleteOlderThanDays: z
      .number()
      .int()
      .min(1)
      .max(3650, "must be at most 3650")
      .default(365)
      .describe("Versions older than this many days (and not among the newest kept) are deleted."),
    dryRun: z.boolean().default(false).describe("Only log what would be deleted."),
  })
  .optional();
// CMEK: Artifact Registry needs the key in the repositories' own region.
const kmsKeyName = z
  .string()
  .regex(
    /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/keyRings\/[A-Za-z0-9_-]{1,63}\/cryptoKeys\/[A-Za-z0-9_-]{1,63}$/,
    'must be a Cloud KMS key such as "projects/PROJECT/locations/REGION/keyRings/RING/cryptoKeys/KEY"',
  );

/** A VPC the stack creates or an existing one: `public` (mirror mode) or `private`, each field described for its side. */
const networkSchema = (side: "public" | "private") =>
  z.strictObject({
    name: resourceName.describe(
      `The ${side} VPC's name${side === "public" ? " (mirror mode)" : ""}; with \`existing\`, the existing VPC's name.`,
    ),
    subnetCidr: cidr
      .optional()
      .describe(
        `The ${side} subnet's range, such as \`${side === "public" ? "10.10.0.0/24" : "10.20.0.0/24"}\`${side === "private" ? ", which must not overlap the public one" : ""}: ` +
          "required when the stack creates the VPC; none with `existing` (the existing subnet has its range).",
      ),
    existing: z
      .strictObject({
        project: projectId.optional().describe("The project that owns the VPC (a Shared VPC host project); by default `projectId`."),
        subnet: resourceName.describe(
          `The existing subnet, in \`region\`, the ${side === "public" ? "public host sits" : "private host and the fleet sit"} on.`,
        ),
      })
      .optional()
      .describe(
        '`{ "project": HOST_PROJECT, "subnet": NAME }`: use the existing VPC `name` and its subnet (in another project for Shared VPC) instead of creating them; drop `subnetCidr`.' +
          (side === "public" ? " An existing public subnet must already reach the internet (its own Cloud NAT)." : ""),
      ),
  });

const privateNetworkSchema = networkSchema("private").extend({
  googleApis: z
    .enum(["private", "restricted"])
    .default("private")
    .describe(
      "Which Google APIs VIP the private VPC reaches: `private` (199.36.153.8/30) or `restricted` (VPC Service Controls, 199.36.153.4/30).",
    ),
  dns: z
    .enum(["zones", "response-policy", "external"])
    .default("zones")
    .describe(
      "How the VMs resolve Google APIs to the VIP: `zones` (private zones `googleapis.com.` and `pkg.dev.`), `response-policy` (a response policy answering only the names the VMs need), " +
        "`external` (an existing VPC's own DNS: the network team's, or another environment's on the same VPC). " +
        "On an existing VPC, zones and a response policy change DNS for every VM on it: each synth says so (see Environments that share a VPC).",
    ),
  namePrefix: z
    .string()
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, "must be lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen")
    .default(DEFAULT_NAME_PREFIX)
    .describe(
      "An existing VPC only: the names of what the stack adds there (rules, route, DNS) are `<namePrefix>-<environment>-<what>`, at most 63 characters in all.",
    ),
  manage: z
    .strictObject({
      googleApisRoute: z
        .boolean()
        .default(true)
        .describe(
          "The route of the VIP range to Google's front ends. It exists once per VPC: of two environments on one VPC one owns it, the other sets this to `false` and depends on it (see Environments that share a VPC).",
        ),
      egressRules: z
        .boolean()
        .default(true)
        .describe(
          "The egress rules for this environment's VMs' and consumers' service accounts: tcp/443 to the VIP allowed, everything else denied and logged.",
        ),
      iapSshRule: z
        .boolean()
        .default(true)
        .describe("The IAP SSH rule: SSH from IAP to this environment's VMs' and consumers' service accounts."),
    })
    .prefault({})
    .describe(
      "For an existing private VPC: which parts of private access the stack creates (the network team may own some already); a VPC the stack creates gets them all. " +
        "`manage.dnsZones` of earlier releases is now `dns` (a config that still has it is refused with the value to write).",
    ),
  allowEgress: egressAllowList.describe(
    'Internal destinations the private host and the fleet may reach besides Google APIs (NFS, databases, each other), such as `[{ "name": "nfs", "destinations": ["10.30.0.0/24"], "protocol": "tcp", "ports": [2049, "20048-20049"] }]`: ' +
      "one EGRESS allow rule each (`<network>-allow-egress-<name>`, priority 1000, above the deny-all), for the airlock VMs' service accounts only, logged as the other allow rules are.",
  ),
});

/** The settings of one environment (one Terraform stack); each field's `.describe()` is its line in the JSON Schema and docs/configuration.md's reference. */
const environmentFields = z.strictObject({
  projectId: projectId.describe("The Google Cloud project id of the stack."),
  region: region.describe(
    "The Google Cloud region of the repositories, hosts and subnets, such as `us-central1`. A region Compute Engine's list in `config/zones.ts` does not know is noted on every synth.",
  ),
  zone: zone.describe(
    "The zone of the hosts (and of a zonal fleet), such as `us-central1-a`: one of `region`'s, checked against Compute Engine's list in `config/zones.ts` (europe-west1 and us-east1 have no zone `-a`).",
  ),
  mode: z
    .enum(["mirror", "remote"])
    .default("mirror")
    .describe("`mirror`: a public host fills the auth repo from PyPI. `remote`: an Artifact Registry remote repo proxies PyPI."),
  labels: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, "label keys: lowercase letters, digits, '_' or '-'"),
      z.string().regex(/^[a-z0-9_-]{0,63}$/, "label values: at most 63 lowercase letters, digits, '_' or '-'"),
    )
    .refine(
      (l) => Object.keys(l).length <= MAX_USER_LABELS,
      `must hold at most ${MAX_USER_LABELS} labels: Google allows 64 per resource and pip-airlock adds ${RESERVED_LABELS.join(", ")}`,
    )
    .refine((l) => !RESERVED_LABELS.some((k) => k in l), `must not set ${RESERVED_LABELS.join(", ")}: pip-airlock sets those`)
    .default({})
    .describe(
      `Labels on the repositories and hosts (and the fleet's boot disks): at most ${MAX_USER_LABELS}, as Google allows 64 per resource and pip-airlock sets ${RESERVED_LABELS.map((l) => `\`${l}\``).join(", ")} itself.`,
    ),
  networks: z
    .strictObject({
      public: networkSchema("public")
        .optional()
        .describe("The public VPC, where the public host mirrors from the internet: needed in mirror mode only."),
      private: privateNetworkSchema.describe(
        "The private VPC: the private host, the fleet and the consumers' VMs, which reach Google APIs through the VIP.",
      ),
    })
    .describe("The VPCs, each created by the stack or an existing one (see Bring your own network)."),
  repositories: z
    .strictObject({
      auth: repositoryId
        .default("pip-auth-repo")
        .describe("The auth repo's id: it holds only the auth helpers (keyring and the Artifact Registry backend)."),
      private: repositoryId.default("my-private-pip-packages").describe("The id of the repository of your private packages."),
      remote: repositoryId.default("pypi-remote").describe("Remote mode: the id of the Artifact Registry remote repo that proxies PyPI."),
      vpcscPolicy: z
        .enum(["manage", "external"])
        .optional()
        .describe(
          "Remote mode behind the restricted VIP (VPC Service Controls), and required there: Artifact Registry blocks a remote repository's upstream inside a perimeter unless the project's AR VPC-SC policy is ALLOW. " +
            "`manage`: the stack sets it to ALLOW; `external`: it is set elsewhere (see Remote mode inside VPC Service Controls).",
        ),
      virtual: z
        .strictObject({
          enabled: z.boolean().default(false).describe("Create the virtual repository."),
          id: repositoryId.default("pip-all").describe("The virtual repository's id."),
        })
        .prefault({})
        .describe(
          "A virtual repository: one index over the private repository (priority 100) and the helpers' (50), private packages first.",
        ),
      access: z
        .strictObject({
          private: z
            .strictObject({
              readers: members.describe("IAM members granted read on the private repository, such as the workloads' accounts."),
              writers: members.describe("IAM members granted write on the private repository, such as a CI service account that uploads."),
            })
            .prefault({})
            .describe("Who reads and writes the private repository."),
          virtual: readOnlyAccess("the virtual repository"),
          remote: readOnlyAccess("the remote repository (remote mode)"),
          auth: z
            .strictObject({
              readers: members.describe(
                "IAM members granted read on the auth repo: the VMs outside the stack that bootstrap. In mirror mode each also gets `roles/cloudkms.publicKeyViewer` on the signing key, to verify what the mirror signed.",
              ),
              writers: z
                .array(z.string())
                .max(0, "must stay empty: the auth repo holds only what the mirror uploads, and only the public host writes to it")
                .default([])
                .describe(
                  "Must stay empty: the auth repo takes no writers, as it holds only what the mirror uploads and only the public host writes to it.",
                ),
            })
            .prefault({})
            .describe("Who reads the auth repo (it takes no writers: only the public host writes to it)."),
        })
        .prefault({})
        .describe(
          "IAM members granted each repository beyond the airlock hosts, on the repository (never a project role): `serviceAccount:`, `group:`, `user:`, `domain:`, `principal://`, `principalSet://`; " +
            'never `allUsers` or `allAuthenticatedUsers`. Prefixes are case-sensitive (`ServiceAccount:` gets "use `serviceAccount:`"), a service account\'s email (`…gserviceaccount.com`) is `serviceAccount:`, ' +
            "never `group:` or `user:`, and a bare email gets the prefix it needs; the JSON Schema refuses a member of no known form.",
        ),
      cleanup: z
        .strictObject({
          auth: cleanupPolicy.describe(
            'The auth repo\'s cleanup policy, such as `{ "keepNewest": 10, "deleteOlderThanDays": 365, "dryRun": false }`: keep the newest versions of each package, delete older ones.',
          ),
          private: cleanupPolicy.describe(
            'The private repository\'s cleanup policy, such as `{ "keepNewest": 10, "deleteOlderThanDays": 365, "dryRun": false }`: keep the newest versions of each package, delete older ones.',
          ),
        })
        .prefault({})
        .describe("Cleanup policies of the repositories: none unless set."),
      kmsKeyName: kmsKeyName
        .optional()
        .describe(
          "The Cloud KMS key (CMEK) of every repository the stack creates, in the repositories' region; it must exist before a deploy.",
        ),
    })
    .prefault({})
    .describe("The Artifact Registry repositories the stack creates, and who may read or write them."),
  mirror: z
    .strictObject({
      packages: z
        .array(requirement)
        .min(1, "must list at least one package")
        .default(["keyring", "keyrings.google-artifactregistry-auth"])
        .describe(
          "Requirements mirrored with all their dependencies: each a name with an optional version specifier (`keyring>=25`), spaces only between its parts; " +
            "a control or line-separator character (a tab, a line feed, U+0085, U+2028, …) is refused, here and in `mirror.bootstrapPip`. " +
            "It must list `keyring` and `keyrings.google-artifactregistry-auth` (the default), which the bootstrap installs so that pip authenticates to Artifact Registry: the synth names the one missing.",
        ),
      targets: z
        .array(declaredTarget)
        .default([])
        .describe(
          'VMs outside the stack that run the bootstrap: an image as in `hosts.image` (`"rocky-linux-cloud/rocky-linux-9"`), or what a custom image runs, `{ "python": "3.11", "glibc": "2.36", "arch": "x86_64" }`. ' +
            "The stack's own VMs (`hosts.image`, `fleet.image`) are targets already (see Supported images).",
        ),
      pythonVersions: z
        .array(pythonVersion)
        .min(1, "must list at least one Python version")
        .optional()
        .describe(`Older setting, the targets' CPython versions: ${OLDER_TARGET_SETTING}`),
      targetImage: z.enum(TARGET_OS_KEYS).optional().describe(`Older setting, the private hosts' OS: ${OLDER_TARGET_SETTING}`),
      targetArch: z.enum(TARGET_ARCHES).optional().describe(`Older setting, the targets' CPU: ${OLDER_TARGET_SETTING}`),
      platforms: z
        .array(platform)
        .min(1, "must list at least one platform tag")
        .optional()
        .describe(
          "Explicit wheel platform tags, only where every target has one glibc and CPU (by default each target gets its own): `pip download` matches only the tags listed (cryptography's newest wheels are manylinux_2_34 only).",
        ),
      bootstrapPip: requirement
        .default("pip>=23.1")
        .describe(
          "The pip mirrored for bare hosts to bootstrap with (`keyring-provider` needs >= 23.1). pip >= 26.2 asks keyring in creds mode and needs keyring >= 25.2.1, and the pips users run are both this one " +
            "and the one the mirrored virtualenv seeds their venvs with (per target CPython: virtualenv 21.14.1 seeds 3.10+ with pip 26.2.1, 3.9 with 26.0.1). " +
            "The synth keeps no release table (`config/pip-facts.ts` has the facts and their sources) and refuses only what a spec or the lock says outright: this spec, with any pip of `mirror.packages`, " +
            "admitting no pip >= 23.1; a keyring requirement or lock pinning the broken keyring CLI 25.2.0 or 25.4.0; a lock pinning pip < 23.1, or pip >= 26.2 with keyring < 25.2.1 (as do specs admitting only that pairing). " +
            "The rest the mirror decides on the wheels it downloaded, at its `policy` step, before it uploads or signs anything: it refuses a target whose mirrored or seeded pip " +
            "(read from the virtualenv wheel) is >= 26.2 while the keyring served is older than 25.2.1, or is older than 23.1, or that would serve keyring 25.2.0 or 25.4.0, " +
            "naming the target, both versions and the fix (`pairing` lines in the `policy` guest attribute). " +
            "In remote mode no mirror runs: a host whose users' pip refuses the keyring it got fails at `probe`, naming both versions.",
        ),
      lockFile: relativePath
        .optional()
        .describe(
          "A hash-pinned requirements file, relative to the config file's folder: the mirror downloads with `--require-hashes`, so it must pin pip, virtualenv and every dependency of every target " +
            "(the synth refuses a lock missing a dependency it knows of). The bootstrap carries the same text (`LOCK_CONTENT`, in either mode): a host installs no file whose sha256 the lock does not pin. " +
            "Make it with `recipes/make-lock.sh` (see Locks). A line with a control or line-separator character is refused by its number (pip would start a new line at U+2028 or U+0085); Windows line endings are fine. " +
            "A lock the synth cannot read is refused with the way to make it (`recipes/make-lock.sh`, Locks). Paths here and in `hosts.keyringVenv` separate folders with `/` (a `\\` is refused with the path written with `/`).",
        ),
      sourceIndexUrl: httpsUrl
        .default("https://pypi.org/simple/")
        .describe("Where the mirror downloads from: a package index's https:// URL."),
      stopWhenDone: z
        .boolean()
        .default(true)
        .describe(
          "Stop the public host once the mirror succeeded (it holds write access to the auth repo and internet egress). " +
            "`false` (a host that keeps running) is refused with `mirror.schedule` in mirror mode: the schedule only starts a stopped host.",
        ),
      schedule: cron
        .optional()
        .describe(
          "Mirror mode: re-run the mirror on a unix-cron schedule (such as `0 3 * * 1`, Mondays 03:00; remote mode has no mirror and ignores it): a Cloud Scheduler job starts the stopped public host, " +
            "whose startup script uploads what the auth repo lacks (new releases, a CVE fix) and stops it again. So it needs `mirror.stopWhenDone` (the default): " +
            "starting a running VM does nothing, and a mirror that never stops would never run again. Output `mirror_schedule` has `run_now`.",
        ),
      scheduleTimeZone: timeZone
        .default("Etc/UTC")
        .describe(
          'The time zone `schedule` is read in: a tz database name the runtime knows (`Intl.supportedValuesOf("timeZone")`, plus `UTC` and `Etc/UTC`), in its case; ' +
            "a misspelt one, or a city alone (`Berlin`), gets the likely zone.",
        ),
      scheduleAccountId: accountId
        .optional()
        .describe(
          "The schedule job's service account id, by default the public host's account id plus `-sched`. It may only start that VM (a custom role of `compute.instances.start`, bound on the instance).",
        ),
      signing: signingSchema
        .optional()
        .describe("Mirror mode: the Cloud KMS key the mirror signs what it publishes with (its defaults when absent)."),
      policy: policySchema
        .optional()
        .describe(
          "Mirror mode: the cooldown, vulnerability and provenance checks of what the mirror lets into the auth repo (their defaults when absent).",
        ),
    })
    .prefault({})
    .describe(
      "What the mirror serves and how it runs (mirror mode); the packages, the bootstrap's pip and the lock shape the bootstrap in either mode.",
    ),
  hosts: z
    .strictObject({
      machineType: machineType
        .default("e2-small")
        .describe(
          "Both hosts' machine type. Its CPU (x86_64, or Arm: T2A, C4A, N4A) must be that of `hosts.image` and `hosts.publicImage`: a mismatch is refused with the same release's image for the machine's CPU " +
            "(`ubuntu-2404-lts-amd64` on `t2a-standard-4`: use `ubuntu-2404-lts-arm64`); a custom image is not checked.",
        ),
      image: image
        .default("debian-cloud/debian-12")
        .describe(
          "The private host's image, any of Supported images (a custom one declares its target in `mirror.targets`): its CPython and glibc are a target of the mirror.",
        ),
      publicImage: publicImage
        .default("debian-cloud/debian-12")
        .describe("The public host's image: Debian 12 or 13 (the mirror installs its tools with apt), whatever the private side runs."),
      publicName: resourceName.default("airlock-public-host").describe("The public host's VM name."),
      privateName: resourceName.default("airlock-private-host").describe("The private host's VM name."),
      createPrivateHost: z
        .boolean()
        .default(true)
        .describe("`false`: no private host; the stack makes the repositories, the network plumbing and the bootstrap for your own VMs."),
      publicAccountId: accountId
        .optional()
        .describe(
          "The public host's service account id, by default `publicName` (a host name that is no valid account id, 6-30 characters, needs one).",
        ),
      privateAccountId: accountId
        .optional()
        .describe(
          "The private host's service account id, by default `privateName` (a host name that is no valid account id, 6-30 characters, needs one).",
        ),
      keyringVenv: ownedDirectory
        .prefault("/opt/pip-airlock/keyring")
        .describe(
          "The private host's keyring venv: a directory of pip-airlock's own, below `/opt/pip-airlock/` or `/var/lib/pip-airlock/` (normalized first; a system directory, a home, `/tmp` or the scripts' own state is refused). " +
            "The bootstrap checks it again on the host, and clears or rebuilds only a venv it created (a marker file): a directory someone else made there is left untouched and the boot fails at `venv`.",
        ),
    })
    .prefault({})
    .describe("The public host (mirror mode: it fills the auth repo) and the private host (it installs from the repositories)."),
  retries: z
    .strictObject({
      maxAttempts: z
        .number()
        .int()
        .min(1)
        .max(30, "must be at most 30")
        .default(8)
        .describe("Attempts of every network retry in the scripts."),
      maxBackoffSeconds: z
        .number()
        .int()
        .min(1)
        .max(600, "must be at most 600")
        .default(30)
        .describe("The longest wait, in seconds, between two attempts of a network retry in the scripts."),
      waitAttempts: z
        .number()
        .int()
        .min(1)
        .max(200, "must be at most 200")
        .default(32)
        .describe("Polls of the auth repo before a private host gives up waiting for the mirror (about 14 min at 30 s)."),
    })
    .prefault({})
    .describe("The bounds of every network retry in the scripts."),
  fleet: z
    .strictObject({
      name: z
        .string()
        .regex(
          /^[a-z]([-a-z0-9]{0,56}[a-z0-9])?$/,
          "must be 1-58 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen",
        )
        .describe("The name prefix of the template, and the managed instance group's name (it adds 5 characters per VM)."),
      size: z
        .number()
        .int()
        .min(0)
        .max(2000, "must be at most 2000")
        .default(0)
        .describe(
          "More than 0 adds a managed instance group of that many VMs, built from the template: zonal, in `zone` (at most 1000), or regional with `zones` (at most 2000); 0 for the template alone. " +
            "Refused with `autoscaling`, which sets the group's size.",
        ),
      machineType: machineType
        .default("e2-small")
        .describe(
          "Any predefined or custom type of a series Compute Engine has (`config/machine-types.ts`; a misspelt series gets the likely one), GPU and TPU types included " +
            "(`a2-highgpu-1g`, `a3-megagpu-8g`, `g2-standard-8`, `ct5lp-hightpu-4t`, …). Their VMs, and those of series that cannot live-migrate (H3, X4, bare metal), " +
            "are set to stop for host maintenance (`onHostMaintenance: TERMINATE`), as Compute Engine requires. Its CPU must be that of `fleet.image`, as for the hosts.",
        ),
      image: image
        .default("debian-cloud/debian-12")
        .describe(
          "The VMs' image, as `hosts.image`: its CPython and glibc are a target of the mirror; its CPU must be that of `fleet.machineType`.",
        ),
      accountId: accountId
        .optional()
        .describe("The fleet's own service account id (a reader of the repositories), by default the fleet's name; never a host's."),
      bootDisk: bootDiskSchema,
      accelerators: acceleratorsSchema,
      zones: z
        .array(zone)
        .min(1, "must list at least one zone (or remove it for a zonal group in zone)")
        .optional()
        .describe(
          "Zones of `region` for a regional group (`google_compute_region_instance_group_manager`, with `distributionPolicyZones`) instead of the zonal one in `zone`.",
        ),
      updatePolicy: updatePolicySchema.optional(),
      autoscaling: autoscalingSchema.optional(),
      healthCheck: healthCheckSchema.optional(),
    })
    .optional()
    .describe(
      "VMs of your own on the private network: an instance template carrying the bootstrap, with the hosts' secure defaults and its own reader account, and optionally a managed instance group " +
        "(see Fleets, container builds and uploads from CI).",
    ),
  consumers: consumersSchema(declaredTarget),
  logging: z
    .strictObject({
      flowLogs: z
        .strictObject({
          enabled: z.boolean().default(true).describe("Turn the flow logs on."),
          aggregationInterval: z
            .enum(["INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN", "INTERVAL_10_MIN", "INTERVAL_15_MIN"])
            .default("INTERVAL_5_MIN")
            .describe("How long the connections of a flow are aggregated into one log entry."),
          flowSampling: z
            .number()
            .gt(0, "must be above 0 (disable flow logs with enabled: false)")
            .max(1, "must be at most 1")
            .default(0.5)
            .describe("The share of flows logged, above 0 and at most 1 (turn the logs off with `enabled`)."),
          metadata: z
            .enum(["INCLUDE_ALL_METADATA", "EXCLUDE_ALL_METADATA"])
            .default("EXCLUDE_ALL_METADATA")
            .describe("Whether the log entries carry all of their metadata fields, or none."),
        })
        .prefault({})
        .describe("VPC flow logs of both subnets; the defaults keep their volume (and bill) small."),
      allowedConnections: z
        .boolean()
        .default(false)
        .describe("Also log what the allow rules (IAP SSH, egress) let through; denied egress is always logged."),
    })
    .prefault({})
    .describe("What the networks log."),
  timeouts: z
    .strictObject({
      downloadSeconds: z
        .number()
        .int()
        .min(30, "must be at least 30")
        .max(7200, "must be at most 7200")
        .default(900)
        .describe("The mirror's download from the source index."),
      uploadSeconds: z
        .number()
        .int()
        .min(30, "must be at least 30")
        .max(7200, "must be at most 7200")
        .default(600)
        .describe("The mirror's upload to the auth repo."),
      installSeconds: z
        .number()
        .int()
        .min(30, "must be at least 30")
        .max(7200, "must be at most 7200")
        .default(600)
        .describe("A host's pip install from the repositories (the bootstrap, the probe)."),
      pipSocketSeconds: z
        .number()
        .int()
        .min(5, "must be at least 5")
        .max(600, "must be at most 600")
        .default(60)
        .describe("pip's socket timeout (`--timeout`): how long pip waits on a silent connection."),
      dpkgLockSeconds: z
        .number()
        .int()
        .min(0, "must be at least 0")
        .max(3600, "must be at most 3600")
        .default(600)
        .describe("How long the public host's apt waits for the dpkg lock (`DPkg::Lock::Timeout`)."),
    })
    .prefault({})
    .describe(
      "The bound, in seconds, of one attempt of each step that waits on another host (a stalled index or upload ends in a reported failure); `retries` bounds the attempts.",
    ),
  stateBucket: z
    .strictObject({
      bucket: bucket.describe("The Cloud Storage bucket holding the Terraform state: its name alone, no `gs://`."),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9._/-]*$/, "must be a path prefix")
        .default("pip-airlock")
        .describe("Where in the bucket: a stack's state is under `prefix/<stack>`."),
    })
    .optional()
    .describe("Terraform state in Cloud Storage (`prefix/<stack>`); local state when absent."),
});

/** One environment's settings as its fields parse them: what the cross-field rules check, before the defaults that follow from other fields. */
export type EnvironmentFields = z.output<typeof environmentFields>;

/** The settings of one environment, checked across fields and resolved. */
export const environmentSchema = environmentFields.superRefine(checkCrossFieldRules).transform(resolveEnvironment);

/** What follows from the settings once they agree: the mirror's targets, the accounts, the fleet, the mode's own parts. */
function resolveEnvironment(env: EnvironmentFields, ctx: z.RefinementCtx<EnvironmentFields>) {
  const resolved = {
    ...env,
    mirror: { ...env.mirror, targets: resolveTargets(env).targets },
    hosts: { ...env.hosts, publicAccountId: accountIds(env).public, privateAccountId: accountIds(env).private },
    fleet: env.fleet ? { ...resolveFleet(env.fleet), accountId: fleetAccountId(env.fleet) } : undefined,
    consumers: Object.fromEntries(
      Object.entries(env.consumers).map(([name, c]) => [
        name,
        { ...c, repositories: consumerRepositories(c, env.mode, env.repositories.virtual.enabled) },
      ]),
    ),
  };
  if (env.mode === "remote")
    return {
      ...resolved,
      mode: "remote" as const,
      mirror: { ...resolved.mirror, signing: undefined, policy: undefined },
      schedule: undefined,
    };
  const publicNetwork = env.networks.public;
  if (!publicNetwork) {
    // Unreachable: a cross-field rule refuses this first, and zod runs a transform on a valid value only.
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
      ? {
          cron: env.mirror.schedule,
          timeZone: env.mirror.scheduleTimeZone,
          accountId: env.mirror.scheduleAccountId ?? defaultScheduleAccountId(accountIds(env).public),
        }
      : undefined,
  };
}

/**
 * One environment's settings, resolved. `mode` discriminates: a mirror-mode config always has
 * `networks.public` and may have a `schedule`; a remote-mode config never has a schedule.
 */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type MirrorModeConfig = Extract<EnvironmentConfig, { mode: "mirror" }>;
export { signingKeyName } from "./signing";

/** The mirror's policy, resolved (mirror mode). */
export type MirrorPolicy = MirrorModeConfig["mirror"]["policy"];

export const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, "environment names: lowercase letters, digits or '-', starting with a letter");

/**
 * The config file: the settings of one environment, plus optional `environments` whose entries override
 * them (objects merge key by key, lists and values replace) and are each synthesized as a stack of their own.
 */
export const configFileSchema = z.looseObject({
  $schema: z
    .string()
    .optional()
    .describe(
      "The JSON Schema editors validate and complete the file with: `../schema/pip-airlock.schema.json` from `config/`. The synth ignores it; only at the top level.",
    ),
  name: environmentName.default("airlock").describe("The stack's name when there are no `environments`."),
  environments: z
    .record(
      environmentName,
      z
        .record(z.string(), z.unknown())
        .describe("One environment's settings: any of the top-level ones, overriding them; `null` removes one."),
    )
    .optional()
    .describe(
      'One stack per entry, such as `{ "dev": {...}, "prod": {...} }`: each entry\'s settings are merged over the top-level ones (objects key by key, lists replaced). ' +
        '`null` in an entry removes what the top level set: an optional setting goes (`"fleet": null`: no fleet in that environment; likewise `stateBucket`, `networks.public` in remote mode, ' +
        "`repositories.kmsKeyName`, `mirror.lockFile`, `mirror.schedule`, `mirror.signing`, `mirror.policy`, `fleet.autoscaling`, …), a setting with a default gets its default back, " +
        "and a required one (`projectId`, `region`, …) is then refused as missing. A mistake in a top-level setting that every environment inherits is reported once, at its top-level path.",
    ),
});
