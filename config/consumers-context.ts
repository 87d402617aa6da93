import { accountIds, defaultScheduleAccountId, fleetAccountId } from "./account-ids";
import { ConsumersContext } from "./consumers";
import type { EnvironmentFields } from "./schema";

/** What the consumers are checked against: the repositories, the stack's own accounts, the private network's rules. */
export function consumersContext(env: EnvironmentFields): ConsumersContext {
  const ids = accountIds(env);
  const own: Array<[string, string | undefined]> = [
    ["hosts.publicAccountId", env.mode === "mirror" ? ids.public : undefined],
    ["hosts.privateAccountId", env.hosts.createPrivateHost ? ids.private : undefined],
    ["fleet.accountId", env.fleet ? fleetAccountId(env.fleet) : undefined],
    [
      "mirror.scheduleAccountId",
      env.mode === "mirror" && env.mirror.schedule ? (env.mirror.scheduleAccountId ?? defaultScheduleAccountId(ids.public)) : undefined,
    ],
  ];
  const priv = env.networks.private;
  return {
    mode: env.mode,
    virtualEnabled: env.repositories.virtual.enabled,
    readers: {
      auth: env.repositories.access.auth.readers,
      remote: env.repositories.access.remote.readers,
      private: env.repositories.access.private.readers,
      virtual: env.repositories.access.virtual.readers,
    },
    ownAccounts: own.flatMap(([field, id]) => (id ? [{ field, email: `${id}@${env.projectId}.iam.gserviceaccount.com` }] : [])),
    ownRuleAccounts: (env.hosts.createPrivateHost ? 1 : 0) + (env.fleet ? 1 : 0),
    rulesNameAccounts: !priv.existing || priv.manage.iapSshRule || priv.manage.egressRules,
  };
}
