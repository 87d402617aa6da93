import { z } from "zod";
import { DeclaredTarget, TargetProblem } from "./targets";

/**
 * `consumers`: workloads another team runs and manages elsewhere (their own Terraform, their own project)
 * that bootstrap from this stack, each declared once: the service accounts its VMs run as, the images they
 * run, and the repositories they read. The stack grants those accounts read access (repository-scoped, and
 * the signing key's public key in mirror mode), mirrors their targets, covers them with the private
 * network's rules, and outputs what their Terraform needs (`consumer_<name>`).
 */

/** A consumer's name: its output is `consumer_<name>` (hyphens become underscores). */
export const CONSUMER_NAME = /^[a-z][a-z0-9-]{0,30}$/;

/** The repositories a consumer may read, by the keys `repositories.access` uses. */
export const CONSUMER_REPOSITORIES = ["auth", "remote", "private", "virtual"] as const;
export type ConsumerRepository = (typeof CONSUMER_REPOSITORIES)[number];

/**
 * Google Cloud allows at most 10 target service accounts on one VPC firewall rule (Cloud NGFW's system limits:
 * cloud.google.com/firewall/docs/quotas). The private network's IAP SSH rule (and, in an existing VPC, its
 * egress rules) name the stack's VMs' accounts and every consumer's.
 */
export const MAX_RULE_SERVICE_ACCOUNTS = 10;

/** A user-managed service account: ACCOUNT@PROJECT.iam.gserviceaccount.com (a domain-scoped project adds its domain). */
const USER_MANAGED_ACCOUNT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9](\.[a-z0-9-]+)*\.iam\.gserviceaccount\.com$/;
const EXAMPLE_ACCOUNT = '"ml-vms@acme-ml.iam.gserviceaccount.com"';

/**
 * The email of a service account a consumer's VMs run as. An IAM member (`serviceAccount:…`) is refused with
 * the email to write instead (the stack makes the member); so are people and groups (they run no VM: grant
 * them in repositories.access), and the accounts that stand for more than the consumer's VMs: the Compute
 * Engine and App Engine defaults (every VM of their project) and Google's service agents.
 */
export const serviceAccountEmail = z.string().superRefine((email, ctx) => {
  const problem = (message: string) => ctx.addIssue({ code: "custom", message });
  if (email.startsWith("serviceAccount:")) {
    problem(`is an IAM member: write the account's email alone, "${email.slice("serviceAccount:".length)}" (the stack makes the member)`);
  } else if (
    /^(user|group|domain|principal|principalSet|deleted):/.test(email) ||
    email === "allUsers" ||
    email === "allAuthenticatedUsers"
  ) {
    problem(
      `must be a service account's email such as ${EXAMPLE_ACCOUNT}: a consumer is VMs, which run as a service account (grant people and groups in repositories.access)`,
    );
  } else if (/^[0-9]+-compute@developer\.gserviceaccount\.com$/.test(email) || /@appspot\.gserviceaccount\.com$/.test(email)) {
    problem(
      `is the ${email.includes("compute@") ? "Compute Engine" : "App Engine"} default service account, which every VM of its project runs as unless told otherwise: ` +
        "granting it would give them all read access and put them all under the stack's egress and SSH rules. Give the consumer's VMs an account of their own",
    );
  } else if (
    /@(gcp-sa-[a-z0-9-]+\.iam|cloudservices|cloudbuild|container-engine-robot|compute-system)\.gserviceaccount\.com$/.test(email)
  ) {
    problem("is a Google-managed service agent, which no consumer's VM runs as: name the accounts the consumer's VMs run as");
  } else if (!USER_MANAGED_ACCOUNT.test(email)) {
    problem(`must be a service account's email such as ${EXAMPLE_ACCOUNT} (ACCOUNT@PROJECT.iam.gserviceaccount.com, lowercase)`);
  }
});

/** The `consumers` section, with `declaredTarget` the element schema of `mirror.targets` (one form for both). */
export function consumersSchema(declaredTarget: z.ZodType<DeclaredTarget>) {
  const consumer = z
    .strictObject({
      serviceAccounts: z
        .array(serviceAccountEmail)
        .min(1, "must list the service account(s) the consumer's VMs run as")
        .refine((accounts) => new Set(accounts).size === accounts.length, "lists an account twice: list each once")
        .describe(
          "The service accounts the consumer's VMs run as, by email: the only identities the stack grants for it. " +
            "Refused: an IAM member (`serviceAccount:…`: write the email), people and groups (they run no VM: grant them in `repositories.access`), the Compute Engine and App Engine default accounts " +
            "(every VM of their project runs as one), Google's service agents, the stack's own accounts, an account of another consumer, and an account that `repositories.access.<repository>.readers` names too (one grant, declared once).",
        ),
      targets: z
        .array(declaredTarget)
        .default([])
        .describe(
          "The images its VMs run, as in `mirror.targets` (an image, or `{ python, glibc, arch }` for a custom one): the mirror serves them too. Required in mirror mode.",
        ),
      repositories: z
        .array(z.enum(CONSUMER_REPOSITORIES))
        .refine((repos) => new Set(repos).size === repos.length, "lists a repository twice: list each once")
        .optional()
        .describe(
          "The repositories its VMs read: `auth` (mirror mode) or `remote` (remote mode), `private`, `virtual`. By default what a bootstrapping host reads (the helpers' repository, the private one, " +
            "the virtual one when enabled). It must hold the helpers' repository and the one pip is configured with (`virtual` when enabled, else `private`): a VM without them fails at `install` or `probe`.",
        ),
    })
    .describe("One consumer: its output is `consumer_NAME` (hyphens as underscores).");
  return z
    .record(z.string().regex(CONSUMER_NAME, "consumer names: 1-31 lowercase letters, digits or '-', starting with a letter"), consumer)
    .default({})
    .describe(
      'Other teams\' VMs that bootstrap from the stack, by name, each declared once: `{ "NAME": { "serviceAccounts": [EMAIL, …], "targets": [IMAGE or { python, glibc, arch }, …], "repositories": ["auth", "private", …] } }`. ' +
        "Their accounts get read on those repositories and the signing key's public key, their targets are mirrored, the private network's rules hold for their accounts, " +
        "and output `consumer_NAME` has what their Terraform needs (see Consumers: other teams' VMs, declared once).",
    );
}

/** One consumer as declared (repositories unresolved). */
export interface DeclaredConsumer {
  readonly serviceAccounts: readonly string[];
  readonly targets: readonly DeclaredTarget[];
  readonly repositories?: readonly ConsumerRepository[];
}

/** What the consumers are checked against: the rest of the environment, validated field by field. */
export interface ConsumersContext {
  readonly mode: "mirror" | "remote";
  readonly virtualEnabled: boolean;
  /** `repositories.access.<repository>.readers`. */
  readonly readers: Readonly<Record<ConsumerRepository, readonly string[]>>;
  /** The service accounts the stack creates, each with the field that names it. */
  readonly ownAccounts: ReadonlyArray<{ readonly email: string; readonly field: string }>;
  /** How many of the stack's own VMs' accounts the private network's rules name (private host, fleet). */
  readonly ownRuleAccounts: number;
  /** Whether a firewall rule of the private network names the accounts (the IAP SSH rule, an existing VPC's egress rules). */
  readonly rulesNameAccounts: boolean;
}

/** The repository that serves the helpers in this mode: every bootstrap reads it. */
export function helpersRepository(mode: "mirror" | "remote"): ConsumerRepository {
  return mode === "mirror" ? "auth" : "remote";
}

/** The repository pip is configured with on every host the bootstrap sets up (INDEX_URL). */
export function pipIndexRepository(virtualEnabled: boolean): ConsumerRepository {
  return virtualEnabled ? "virtual" : "private";
}

/** A consumer's repositories: as declared, or what a bootstrapping host reads (the stack's own hosts' grants). */
export function consumerRepositories(c: DeclaredConsumer, mode: "mirror" | "remote", virtualEnabled: boolean): ConsumerRepository[] {
  return [...(c.repositories ?? [helpersRepository(mode), "private", ...(virtualEnabled ? (["virtual"] as const) : [])])];
}

/** The output a consumer's Terraform reads: `consumer_<name>`. */
export function consumerOutputName(name: string): string {
  return `consumer_${name.replace(/-/g, "_")}`;
}

const REPOSITORY_FIELD: Record<ConsumerRepository, string> = {
  auth: "the auth repo (repositories.auth)",
  remote: "the PyPI remote repository (repositories.remote)",
  private: "the private repository (repositories.private)",
  virtual: "the virtual repository (repositories.virtual)",
};

/** What is wrong with the consumers given the rest of the environment: each problem names its field and the fix. */
export function consumerProblems(consumers: Readonly<Record<string, DeclaredConsumer>>, env: ConsumersContext): TargetProblem[] {
  const problems: TargetProblem[] = [];
  const ownerOf = new Map<string, string>();
  const helpers = helpersRepository(env.mode);
  const index = pipIndexRepository(env.virtualEnabled);
  const exists = (repo: ConsumerRepository) => repo === helpers || repo === "private" || (repo === "virtual" && env.virtualEnabled);
  for (const [name, c] of Object.entries(consumers)) {
    const at = (...rest: (string | number)[]) => ["consumers", name, ...rest];
    const repos = consumerRepositories(c, env.mode, env.virtualEnabled);
    c.serviceAccounts.forEach((email, i) => {
      const own = env.ownAccounts.find((a) => a.email === email);
      if (own) {
        problems.push({
          path: at("serviceAccounts", i),
          message: `"${email}" is the stack's own service account (${own.field}): a consumer's VMs run as accounts of their own`,
        });
      }
      const other = ownerOf.get(email);
      if (other !== undefined && other !== name) {
        problems.push({
          path: at("serviceAccounts", i),
          message: `"${email}" is an account of consumers.${other} too: each account belongs to one consumer`,
        });
      }
      ownerOf.set(email, name);
      for (const repo of repos.filter(exists)) {
        if (env.readers[repo].includes(`serviceAccount:${email}`)) {
          problems.push({
            path: at("serviceAccounts", i),
            message: `"${email}" is in repositories.access.${repo}.readers too, and consumers.${name} grants it read on ${REPOSITORY_FIELD[repo]} already: remove it from repositories.access.${repo}.readers (one grant, declared once)`,
          });
        }
      }
    });
    (c.repositories ?? []).forEach((repo, i) => {
      if (!exists(repo)) {
        const why = repo === "virtual" ? "is not enabled (repositories.virtual.enabled)" : `does not exist in ${env.mode} mode`;
        problems.push({ path: at("repositories", i), message: `"${repo}": ${REPOSITORY_FIELD[repo]} ${why}: remove it` });
      }
    });
    if (c.repositories) {
      for (const [needed, why] of [
        [helpers, "the bootstrap installs the helpers from it"],
        [
          index,
          "the bootstrap configures pip with it (INDEX_URL) and proves a user can install from it, so a VM without read on it fails at step probe",
        ],
      ] as const) {
        if (!repos.includes(needed)) {
          problems.push({
            path: at("repositories"),
            message: `must include "${needed}": ${why}. Add it, or leave repositories out (the default is what a bootstrapping host reads)`,
          });
        }
      }
    }
    if (env.mode === "mirror" && c.targets.length === 0) {
      problems.push({
        path: at("targets"),
        message:
          'is required in mirror mode: the mirror serves wheels for the images it knows of: list the images the consumer\'s VMs run, e.g. ["rocky-linux-cloud/rocky-linux-9"], or { "python": "3.11", "glibc": "2.36", "arch": "x86_64" }',
      });
    }
  }
  const consumerAccounts = new Set(Object.values(consumers).flatMap((c) => c.serviceAccounts)).size;
  const total = env.ownRuleAccounts + consumerAccounts;
  if (env.rulesNameAccounts && total > MAX_RULE_SERVICE_ACCOUNTS) {
    problems.push({
      path: ["consumers"],
      message:
        `name ${consumerAccounts} service account(s), which with the stack's own VMs' ${env.ownRuleAccounts} makes ${total} for the private network's firewall rules (IAP SSH; in an existing VPC the egress rules too): ` +
        `Google Cloud allows at most ${MAX_RULE_SERVICE_ACCOUNTS} target service accounts on one rule. Let a consumer's VMs share an account, or declare some consumers in another environment`,
    });
  }
  return problems;
}

/** Every consumer's service accounts (emails), in the order declared: the private network's rules hold for them too. */
export function consumerAccounts(consumers: Readonly<Record<string, DeclaredConsumer>>): string[] {
  return Object.values(consumers).flatMap((c) => c.serviceAccounts);
}
