import { z } from "zod";

const MEMBER_FORMS = [
  /^(user|group|serviceAccount):[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/,
  /^domain:[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/,
  /^principal(Set)?:\/\/iam\.googleapis\.com\/[A-Za-z0-9._~%\/@:*-]+$/,
];

/**
 * An IAM member a repository may be granted to: a user, group, service account, domain, or a workload
 * identity principal (set). Never allUsers or allAuthenticatedUsers: a pip index is never public.
 */
export const iamMember = z.string().superRefine((member, ctx) => {
  if (member === "allUsers" || member === "allAuthenticatedUsers") {
    ctx.addIssue({ code: "custom", message: `"${member}" would make the repository public: name the principals that need it` });
  } else if (!MEMBER_FORMS.some((form) => form.test(member))) {
    ctx.addIssue({
      code: "custom",
      message:
        'must be an IAM member such as "serviceAccount:ci@PROJECT.iam.gserviceaccount.com", "group:team@example.com", "user:me@example.com", "domain:example.com" or "principalSet://iam.googleapis.com/…"',
    });
  }
});
