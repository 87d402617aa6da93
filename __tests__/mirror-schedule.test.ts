// mirror.schedule: a Cloud Scheduler job starts the stopped public host, which mirrors again and stops;
// its identity may start that one VM and do nothing else. And the mirror's log outlives the VM.
import { loadConfig } from "../config/load";
import { START_PERMISSIONS } from "../constructs/mirror-schedule";
import { buildStack, configProblems, exampleVariant as load, refusals as problems, resourcesOf, synthJson } from "./support";

describe("mirror.schedule", () => {
  const json = synthJson(buildStack(loadConfig(load((c) => (c.mirror.schedule = "0 3 * * 1")))[0].config).stack) as any;
  const [job] = resourcesOf(json, "google_cloud_scheduler_job");
  const [account] = resourcesOf(json, "google_service_account").filter((a) => a.account_id === "airlock-public-host-sched");

  it("a job on that cron calls instances.start on the public host, as its own service account", () => {
    expect(job).toMatchObject({ project: "airlock-example", region: "us-central1", schedule: "0 3 * * 1", time_zone: "Etc/UTC" });
    expect(job.http_target.http_method).toBe("POST");
    expect(job.http_target.uri).toBe(
      "https://compute.googleapis.com/compute/v1/projects/airlock-example/zones/us-central1-a/instances/airlock-public-host/start",
    );
    expect(job.http_target.oauth_token.service_account_email).toMatch(
      /^\$\{google_service_account\.mirror-schedule_identity_account_[0-9A-F]+\.email\}$/,
    );
    expect(account).toBeDefined();
    expect(resourcesOf(json, "google_project_service").map((s) => s.service)).toContain("cloudscheduler.googleapis.com");
    expect(json.output.mirror_schedule.value.run_now).toBe(
      "gcloud scheduler jobs run airlock-public-host-mirror --location us-central1 --project airlock-example",
    );
  });

  it("its identity may start that one VM only: a custom role of compute.instances.start, bound on the instance, no project role", () => {
    const [role] = resourcesOf(json, "google_project_iam_custom_role");
    expect(role.permissions).toEqual([...START_PERMISSIONS]);
    expect(role.permissions).toEqual(["compute.instances.start"]);
    const bindings = resourcesOf(json, "google_compute_instance_iam_member");
    expect(bindings).toHaveLength(1);
    expect(bindings[0].instance_name).toMatch(/^\$\{google_compute_instance\.public-host_instance_[0-9A-F]+\.name\}$/);
    expect(bindings[0].role).toMatch(/^\$\{google_project_iam_custom_role\.mirror-schedule_start-role_[0-9A-F]+\.name\}$/);
    expect(bindings[0].member).toMatch(/^serviceAccount:\$\{google_service_account\.mirror-schedule_identity_account_[0-9A-F]+\.email\}$/);
    for (const type of ["google_project_iam_member", "google_project_iam_binding", "google_project_iam_policy"])
      expect(resourcesOf(json, type)).toEqual([]);
    expect(job.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^google_compute_instance_iam_member\./)]));
  });

  it("is refused where it cannot work, with the fix", () => {
    expect(problems(load((c) => (c.mirror.schedule = "every monday")))[0]).toMatch(
      /^mirror\.schedule: must be a unix-cron expression of five fields/,
    );
    expect(problems(load((c) => ((c.mirror.schedule = "0 3 * * 1"), (c.mirror.scheduleTimeZone = "CET; rm"))))[0]).toMatch(
      /^mirror\.scheduleTimeZone: "CET; rm" is no IANA time zone: use one such as "Etc\/UTC"/,
    );
    expect(problems(load((c) => ((c.mirror.schedule = "0 3 * * 1"), (c.hosts.publicAccountId = "airlock-public-host-account"))))).toEqual([
      'mirror.scheduleAccountId: defaults to "airlock-public-host-account-sched", which is no service account id (6-30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen): set mirror.scheduleAccountId',
    ]);
  });

  it("is refused with a public host that never stops: starting a running VM does nothing, so the schedule would never re-run it", () => {
    const STOP_WHEN_DONE_PROBLEM =
      "mirror.stopWhenDone: is false while mirror.schedule re-runs the mirror: the schedule starts the public host (compute.instances.start), which does nothing to a VM that is running, " +
      "so a mirror that never stops is never re-run by it (and keeps a VM with internet egress and write access to the auth repo running). " +
      "Remove mirror.stopWhenDone or set it to true, or drop mirror.schedule";
    const scheduledNeverStopping = (c: any) => ((c.mirror.schedule = "0 3 * * 1"), (c.mirror.stopWhenDone = false));
    expect(problems(load(scheduledNeverStopping))).toEqual([STOP_WHEN_DONE_PROBLEM]);
    // An environment that turns either on is refused by its own path.
    expect(problems(load((c) => (c.environments = { dev: {}, prod: { mirror: { stopWhenDone: false } } })))).toEqual([
      `environments.prod.${STOP_WHEN_DONE_PROBLEM}`,
    ]);
    // Each alone is fine: a schedule with the default (true), or a mirror that keeps running and is never scheduled.
    expect(configProblems(() => loadConfig(load((c) => ((c.mirror.schedule = "0 3 * * 1"), delete c.mirror.stopWhenDone))))).toEqual([]);
    expect(configProblems(() => loadConfig(load((c) => ((c.mirror.stopWhenDone = false), delete c.mirror.schedule))))).toEqual([]);
    // Remote mode has no mirror: it ignores the schedule, and so both settings.
    const [remote] = loadConfig(load((c) => (scheduledNeverStopping(c), (c.mode = "remote"))));
    expect(resourcesOf(synthJson(buildStack(remote.config).stack), "google_cloud_scheduler_job")).toEqual([]);
  });

  it("none of it without a schedule, nor in remote mode (no mirror to re-run)", () => {
    const remote = synthJson(buildStack(loadConfig(load((c) => ((c.mode = "remote"), (c.mirror.schedule = "0 3 * * 1"))))[0].config).stack);
    expect(resourcesOf(remote, "google_cloud_scheduler_job")).toEqual([]);
    const plain = synthJson(buildStack(loadConfig(load((c) => delete c.mirror.schedule))[0].config).stack);
    expect(resourcesOf(plain, "google_cloud_scheduler_job")).toEqual([]);
    expect(resourcesOf(plain, "google_project_service").map((s) => s.service)).not.toContain("cloudscheduler.googleapis.com");
  });
});

describe("the scripts' log outlives the VM", () => {
  it("every airlock VM sends its serial console to Cloud Logging, and the _log outputs read it from there", () => {
    const json = synthJson(buildStack(loadConfig(load((c) => (c.fleet = { name: "workers" })))[0].config).stack) as any;
    const vms = [...resourcesOf(json, "google_compute_instance"), ...resourcesOf(json, "google_compute_instance_template")];
    expect(vms).toHaveLength(3);
    for (const vm of vms) expect(vm.metadata["serial-port-logging-enable"]).toBe("TRUE");
    for (const output of ["public_host_log", "private_host_log"])
      expect(json.output[output].value).toMatch(/^gcloud logging read .*serialconsole\.googleapis\.com%2Fserial_port_1_output/);
  });
});
