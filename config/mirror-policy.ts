import { z } from "zod";
import { firstControlCharacter } from "./control-characters";
import { normalizeName } from "./requirements";

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
  .refine(
    (reason) => firstControlCharacter(reason) === undefined,
    "must be one line of printable text: remove the control or line-separator character",
  )
  .refine((reason) => reason.trim().length > 0, "must say why the advisory does not apply: a reviewer reads it")
  .refine((reason) => reason.length <= 500, "must be at most 500 characters: link the review instead");
const githubPublisher = z
  .string()
  .regex(
    /^github:[A-Za-z0-9]([A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
    'must be "github:OWNER/REPO": the GitHub repository whose trusted publishing workflow uploads the project to PyPI (its PEP 740 attestations name it)',
  );

/** What the mirror lets into the auth repo, besides what `packages` and the lock ask for. */
export const policySchema = z.strictObject({
  minReleaseAgeDays: z
    .number()
    .int()
    .min(0, "must be at least 0 (0 turns the cooldown off)")
    .max(365, "must be at most 365")
    .default(7)
    .describe(
      "A cooldown: the mirror takes no release younger than this many days on the source index (the default, a week, for a malicious or broken release to be caught and yanked on PyPI " +
        "before it reaches hosts that trust the auth repo, at the cost of a week's delay for a helper); `0` turns it off.",
    ),
  ageExempt: z
    .array(normalizedProject)
    .refine((names) => new Set(names).size === names.length, "lists a project twice: list each once")
    .default([])
    .describe(
      "Projects the cooldown does not hold back, PEP 503 normalized (`jaraco-classes`, not `Jaraco.Classes`): say, a project whose CVE fix must not wait. " +
        "By default nothing skips the wait unless a reviewer says so.",
    ),
  vulnerabilities: z
    .enum(["refuse", "report", "off"])
    .default("refuse")
    .describe(
      "OSV's known vulnerabilities of each release: `refuse` (the default: a known-vulnerable helper never reaches the hosts that trust the auth repo), `report` (mirror it, say so in `policy`), or `off`.",
    ),
  waivers: z
    .array(
      z
        .strictObject({
          id: advisoryId.describe("The advisory's id: `GHSA-…`, `PYSEC-…` or `CVE-…`."),
          reason: waiverReason.describe("Why the advisory was accepted: one printable line (the mirror logs it), at most 500 characters."),
        })
        .describe("One advisory that does not stop a release, with the reason it was accepted."),
    )
    .refine((waivers) => new Set(waivers.map((w) => w.id)).size === waivers.length, "waives an advisory twice: keep one entry per id")
    .default([])
    .describe(
      'Advisories that do not stop a release, `[{ "id": "GHSA-…" / "PYSEC-…" / "CVE-…", "reason": "…" }]`, each with the reason it was accepted. ' +
        "By default every advisory counts until someone writes down why not.",
    ),
  provenance: z
    .enum(["refuse-changed", "record", "off"])
    .default("refuse-changed")
    .describe(
      "PEP 740 attestations (PyPI's Integrity API): `refuse-changed` (the default: a release whose trusted publisher differs from the one recorded for the project, " +
        "the sign of a taken-over account, is refused), `record` (note it only), or `off`.",
    ),
  publishers: z
    .record(normalizedProject, githubPublisher)
    .default({})
    .describe(
      'The publisher each project must come from (`github:OWNER/REPO`), instead of the first one the mirror records: `{ "keyring": "github:jaraco/keyring" }`.',
    ),
});
