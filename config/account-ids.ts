import { z } from "zod";

/** A service account id: the part of its email before `@`. */
export const ACCOUNT_ID = /^[a-z]([-a-z0-9]{4,28}[a-z0-9])$/;
export const ACCOUNT_ID_RULE = "6-30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen";
export const accountId = z.string().regex(ACCOUNT_ID, `must be a service account id: ${ACCOUNT_ID_RULE}`);

/** Service account ids follow the host names unless set. */
export function accountIds(env: {
  hosts: { publicName: string; privateName: string; publicAccountId?: string; privateAccountId?: string };
}) {
  return { public: env.hosts.publicAccountId ?? env.hosts.publicName, private: env.hosts.privateAccountId ?? env.hosts.privateName };
}

/** The fleet's service account id: `fleet.name` unless `fleet.accountId` sets it. */
export function fleetAccountId(fleet: { name: string; accountId?: string }): string {
  return fleet.accountId ?? fleet.name;
}

/** The schedule's service account id unless `mirror.scheduleAccountId` sets it: the public host's, with `-sched`. */
export function defaultScheduleAccountId(publicAccountId: string): string {
  return `${publicAccountId}-sched`;
}
