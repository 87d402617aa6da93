import { z } from "zod";

const KINDS = ["user", "group", "serviceAccount", "domain", "principal", "principalSet"] as const;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const SERVICE_ACCOUNT_EMAIL = /@([a-z0-9-]+\.)*gserviceaccount\.com$/;

const MEMBER_FORMS = [
  /^(user|group|serviceAccount):[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/,
  /^domain:[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/,
  /^principal(Set)?:\/\/iam\.googleapis\.com\/[A-Za-z0-9._~%/@:*-]+$/,
];

/** One pattern of every member form, for the JSON Schema (editors refuse what the synth refuses by form). */
export const MEMBER_PATTERN = MEMBER_FORMS.map((f) => `(${f.source.slice(1, -1)})`)
  .join("|")
  .replace(/^/, "^(")
  .concat(")$");

const EXAMPLES =
  'an IAM member such as "serviceAccount:ci@PROJECT.iam.gserviceaccount.com", "group:team@example.com", "user:me@example.com", "domain:example.com" or "principalSet://iam.googleapis.com/…"';

/** Why a member is refused, with the member it most likely meant; undefined when it is valid. */
export function memberProblem(member: string): string | undefined {
  if (member === "allUsers" || member === "allAuthenticatedUsers")
    return `"${member}" would make the repository public: name the principals that need it`;
  const colon = member.indexOf(":");
  const kind = colon > 0 ? member.slice(0, colon) : undefined;
  const rest = colon > 0 ? member.slice(colon + 1) : member;
  const right = kind ? KINDS.find((k) => k.toLowerCase() === kind.toLowerCase()) : undefined;
  if (kind && right && right !== kind) {
    const meant = `${right}:${rest}`;
    return `"${member}": the kind is spelt "${right}:" (IAM prefixes are case-sensitive): use "${meant}"`;
  }
  if ((kind === "user" || kind === "group") && SERVICE_ACCOUNT_EMAIL.test(rest)) {
    return `"${member}" is a service account's email, not a ${kind === "user" ? "user's" : "group's"}: use "serviceAccount:${rest}"`;
  }
  if (!kind && EMAIL.test(member)) {
    return SERVICE_ACCOUNT_EMAIL.test(member)
      ? `"${member}" needs its kind: use "serviceAccount:${member}"`
      : `"${member}" needs its kind: use "user:${member}" for a person, or "group:${member}" for a Google group`;
  }
  if (!MEMBER_FORMS.some((form) => form.test(member))) return `must be ${EXAMPLES}`;
  return undefined;
}

/**
 * An IAM member a repository may be granted to: a user, group, service account, domain, or a workload
 * identity principal (set). Never allUsers or allAuthenticatedUsers: a pip index is never public.
 */
export const iamMember = z
  .string()
  .superRefine((member, ctx) => {
    const problem = memberProblem(member);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ pattern: MEMBER_PATTERN });
