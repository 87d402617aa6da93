import { buildStack, carriedScript, exampleConfig, hostByRole, resourcesOf, synthJson, withoutScriptBodies } from "./support";

const { stack } = buildStack();
const json = synthJson(stack);
const instances = resourcesOf(json, "google_compute_instance");
const byRole = (role: "mirror" | "bootstrap") => hostByRole(json, role);
const networkRef = (suffix: string) =>
  `\${google_compute_network.${Object.keys(json.resource.google_compute_network).find((k) => k.startsWith(suffix))}.id}`;
const PRIVATE_NET = networkRef("private-network");
const PUBLIC_NET = networkRef("public-network");

describe("the mirror-mode stack", () => {
  it("matches the snapshot (scripts by size and digest: their text is the startup-script suites' and the e2e's)", () => {
    expect(withoutScriptBodies(json)).toMatchSnapshot();
  });

  describe("hosts", () => {
    it("are exactly one public (mirror) and one private (bootstrap) host", () => {
      expect(instances.map((i) => i.labels["airlock-role"]).sort()).toEqual(["bootstrap", "mirror"]);
    });

    it.each(["mirror", "bootstrap"] as const)(
      "%s host: no external IP, Shielded VM, OS Login, no project SSH keys, guest attributes",
      (role) => {
        const host = byRole(role);
        expect(host.network_interface).toHaveLength(1);
        expect(host.network_interface[0].access_config).toBeUndefined();
        expect(host.network_interface[0].ipv6_access_config).toBeUndefined();
        expect(host.shielded_instance_config).toEqual({ enable_secure_boot: true, enable_vtpm: true, enable_integrity_monitoring: true });
        expect(host.metadata).toMatchObject({
          "enable-oslogin": "TRUE",
          "block-project-ssh-keys": "TRUE",
          "enable-guest-attributes": "TRUE",
        });
        expect(carriedScript(json, host.metadata["startup-script"], stack)).toMatch(/^#!\/usr\/bin\/env bash\n/);
      },
    );

    it("each run as their own dedicated service account, never the default compute one", () => {
      const accounts = Object.keys(json.resource.google_service_account);
      const emails = instances.map((i) => i.service_account.email);
      expect(new Set(emails).size).toBe(2);
      for (const email of emails) {
        expect(email).toMatch(/^\$\{google_service_account\.[^.]+\.email\}$/);
        expect(accounts).toContain(email.split(".")[1]);
      }
      const ids = resourcesOf(json, "google_service_account")
        .map((a) => a.account_id)
        .sort();
      // The third is the mirror schedule's (it starts the public host; it runs no VM).
      expect(ids).toEqual(["airlock-private-host", "airlock-public-host", "airlock-public-host-sched"]);
    });

    it("sit on the right subnets: public host on the public VPC, private host on the private VPC", () => {
      const subnets = json.resource.google_compute_subnetwork;
      const subnetOf = (role: "mirror" | "bootstrap") => subnets[byRole(role).network_interface[0].subnetwork.split(".")[1]];
      expect(subnetOf("mirror").network).toBe(PUBLIC_NET);
      expect(subnetOf("bootstrap").network).toBe(PRIVATE_NET);
    });

    it("the public host is replaced when the mirror spec fingerprint changes", () => {
      // A static reference: Terraform refuses "${...}" in replace_triggered_by at init.
      const [fingerprintName] = Object.keys(json.resource.terraform_data).filter((n) => n.startsWith("mirror-fingerprint"));
      expect(byRole("mirror").lifecycle.replace_triggered_by).toEqual([`terraform_data.${fingerprintName}`]);
      // The private host has its own: it is replaced when its bootstrap changes.
      const [bootstrapFingerprint] = Object.keys(json.resource.terraform_data).filter((n) => n.startsWith("bootstrap-fingerprint"));
      expect(byRole("bootstrap").lifecycle.replace_triggered_by).toEqual([`terraform_data.${bootstrapFingerprint}`]);
    });
  });

  describe("mirror fingerprint", () => {
    const sha = (edit?: Parameters<typeof exampleConfig>[0], lock = "") =>
      resourcesOf(synthJson(buildStack(exampleConfig(edit), lock).stack), "terraform_data").find(
        (r) => r.triggers_replace.mirror_spec_sha256,
      ).triggers_replace.mirror_spec_sha256;
    const base = sha();

    it("is a sha256 that is stable across synths", () => {
      expect(base).toMatch(/^[0-9a-f]{64}$/);
      expect(sha()).toBe(base);
    });

    it.each([
      ["the package list", (c: any) => c.mirror.packages.push("requests")],
      [
        "the targets",
        (c: any) =>
          (c.mirror.targets = [
            ...c.mirror.targets,
            { python: "3.13.5", glibc: "2.41", arch: "x86_64", platforms: ["manylinux_2_41_x86_64"], declaredBy: ["mirror.targets.0"] },
          ]),
      ],
      [
        "the platforms",
        (c: any) => (c.mirror.targets = c.mirror.targets.map((t: any) => ({ ...t, platforms: ["manylinux_2_17_x86_64"] }))),
      ],
      ["the auth repo (and so the script)", (c: any) => (c.repositories.auth = "other-auth-repo")],
    ])("changes with %s", (_what, edit) => {
      expect(sha(edit)).not.toBe(base);
    });

    it("changes with the lock content", () => {
      expect(sha(undefined, "keyring==1 --hash=sha256:" + "b".repeat(64))).not.toBe(base);
    });

    it("does not change with unrelated settings", () => {
      expect(sha((c) => (c.hosts.machineType = "e2-medium"))).toBe(base);
    });
  });

  describe("public network", () => {
    it("has a router and Cloud NAT for its subnet only", () => {
      const [router] = resourcesOf(json, "google_compute_router");
      expect(router.network).toBe(PUBLIC_NET);
      const [nat] = resourcesOf(json, "google_compute_router_nat");
      expect(nat.source_subnetwork_ip_ranges_to_nat).toBe("LIST_OF_SUBNETWORKS");
      expect(nat.subnetwork).toHaveLength(1);
      expect(nat.subnetwork[0].name).toMatch(/^\$\{google_compute_subnetwork\.public-network_subnet_/);
    });
  });

  describe("private network", () => {
    const network = Object.values(json.resource.google_compute_network).find((n: any) => n.name === "airlock-private") as any;

    it("deletes the default internet route and has no router or NAT", () => {
      expect(network.delete_default_routes_on_create).toBe(true);
      expect(network.auto_create_subnetworks).toBe(false);
      expect(resourcesOf(json, "google_compute_router").filter((r) => r.network === PRIVATE_NET)).toHaveLength(0);
      expect(resourcesOf(json, "google_compute_router_nat")).toHaveLength(1);
    });

    it("routes only the Google APIs VIP out, through the default internet gateway", () => {
      const routes = resourcesOf(json, "google_compute_route");
      expect(routes).toHaveLength(1);
      expect(routes[0]).toMatchObject({
        network: PRIVATE_NET,
        dest_range: "199.36.153.8/30",
        next_hop_gateway: "default-internet-gateway",
      });
    });

    it("has Private Google Access on its subnet", () => {
      const subnet = resourcesOf(json, "google_compute_subnetwork").find((s) => s.network === PRIVATE_NET);
      expect(subnet).toMatchObject({ ip_cidr_range: "10.20.0.0/24", private_ip_google_access: true });
    });

    it("resolves googleapis.com and pkg.dev to the VIP in private zones", () => {
      const zones = resourcesOf(json, "google_dns_managed_zone");
      expect(zones.map((z) => z.dns_name).sort()).toEqual(["googleapis.com.", "pkg.dev."]);
      for (const zone of zones) {
        expect(zone.visibility).toBe("private");
        expect(zone.private_visibility_config.networks).toEqual([{ network_url: PRIVATE_NET }]);
      }
      const records = resourcesOf(json, "google_dns_record_set");
      const record = (name: string) => records.find((r) => r.name === name);
      const vip = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"];
      expect(record("private.googleapis.com.")).toMatchObject({ type: "A", rrdatas: vip });
      expect(record("*.googleapis.com.")).toMatchObject({ type: "CNAME", rrdatas: ["private.googleapis.com."] });
      expect(record("pkg.dev.")).toMatchObject({ type: "A", rrdatas: vip });
      expect(record("*.pkg.dev.")).toMatchObject({ type: "CNAME", rrdatas: ["pkg.dev."] });
    });

    it("uses the restricted VIP when asked to", () => {
      const restricted = synthJson(buildStack(exampleConfig((c) => (c.networks.private.googleApis = "restricted"))).stack);
      expect(resourcesOf(restricted, "google_compute_route")[0].dest_range).toBe("199.36.153.4/30");
      const egress = resourcesOf(restricted, "google_compute_firewall").find((f) => f.direction === "EGRESS" && f.allow);
      expect(egress.destination_ranges).toEqual(["199.36.153.4/30"]);
    });

    it("denies all egress except tcp/443 to the VIP", () => {
      const egress = resourcesOf(json, "google_compute_firewall").filter((f) => f.direction === "EGRESS" && f.network === PRIVATE_NET);
      const allow = egress.filter((f) => f.allow);
      const deny = egress.filter((f) => f.deny);
      expect(allow).toHaveLength(1);
      expect(allow[0]).toMatchObject({ destination_ranges: ["199.36.153.8/30"], allow: [{ protocol: "tcp", ports: ["443"] }] });
      expect(deny).toHaveLength(1);
      expect(deny[0]).toMatchObject({ destination_ranges: ["0.0.0.0/0"], deny: [{ protocol: "all" }] });
      expect(deny[0].priority).toBeGreaterThan(allow[0].priority);
    });
  });

  it("lets SSH in only from IAP's range, on both networks, and only to the airlock host of that network", () => {
    const ingress = resourcesOf(json, "google_compute_firewall").filter((f) => f.direction === "INGRESS");
    expect(ingress.map((f) => f.network).sort()).toEqual([PRIVATE_NET, PUBLIC_NET].sort());
    for (const rule of ingress) {
      expect(rule.source_ranges).toEqual(["35.235.240.0/20"]);
      expect(rule.allow).toEqual([{ protocol: "tcp", ports: ["22"] }]);
      const host = byRole(rule.network === PUBLIC_NET ? "mirror" : "bootstrap");
      expect(rule.target_service_accounts).toEqual([host.service_account.email]);
    }
  });

  describe("repositories and IAM", () => {
    const repos = resourcesOf(json, "google_artifact_registry_repository");
    const repoRef = (id: string) => {
      const name = Object.keys(json.resource.google_artifact_registry_repository).find(
        (k) => json.resource.google_artifact_registry_repository[k].repository_id === id,
      );
      return `\${google_artifact_registry_repository.${name}.name}`;
    };
    const account = (id: string) => {
      const name = Object.keys(json.resource.google_service_account).find((k) => json.resource.google_service_account[k].account_id === id);
      return `serviceAccount:\${google_service_account.${name}.email}`;
    };
    const grants = resourcesOf(json, "google_artifact_registry_repository_iam_member").map((g) => `${g.member} ${g.role} ${g.repository}`);

    it("are the auth repo and the private repo, both Python standard repos", () => {
      expect(repos.map((r) => [r.repository_id, r.format, r.mode]).sort()).toEqual([
        ["my-private-pip-packages", "PYTHON", "STANDARD_REPOSITORY"],
        ["pip-auth-repo", "PYTHON", "STANDARD_REPOSITORY"],
      ]);
    });

    it("grant the public host write on the auth repo only, the private host read on both, nothing else", () => {
      expect(grants.sort()).toEqual(
        [
          `${account("airlock-public-host")} roles/artifactregistry.writer ${repoRef("pip-auth-repo")}`,
          `${account("airlock-private-host")} roles/artifactregistry.reader ${repoRef("pip-auth-repo")}`,
          `${account("airlock-private-host")} roles/artifactregistry.reader ${repoRef("my-private-pip-packages")}`,
        ].sort(),
      );
    });

    it("grant no project-level role to anyone", () => {
      for (const type of ["google_project_iam_member", "google_project_iam_binding", "google_project_iam_policy"]) {
        expect(json.resource[type]).toBeUndefined();
      }
    });
  });

  it("outputs the index URLs, the IAP SSH commands and the pip index URL", () => {
    const outputs = Object.fromEntries(Object.entries(json.output ?? {}).map(([k, v]) => [k, v.value]));
    expect(outputs).toMatchObject({
      auth_repo_index_url: "https://us-central1-python.pkg.dev/airlock-example/pip-auth-repo/simple/",
      private_repo_index_url: "https://us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/simple/",
      pip_index_url: "https://oauth2accesstoken@us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/simple/",
      public_host_ssh: "gcloud compute ssh airlock-public-host --zone us-central1-a --project airlock-example --tunnel-through-iap",
      private_host_ssh: "gcloud compute ssh airlock-private-host --zone us-central1-a --project airlock-example --tunnel-through-iap",
      public_host_progress:
        "gcloud compute instances get-guest-attributes airlock-public-host --zone us-central1-a --project airlock-example --query-path=pip-airlock/",
      private_host_progress:
        "gcloud compute instances get-guest-attributes airlock-private-host --zone us-central1-a --project airlock-example --query-path=pip-airlock/",
      private_host_log: expect.stringMatching(
        /^gcloud logging read 'resource\.type="gce_instance" AND resource\.labels\.instance_id="\$\{google_compute_instance\.private-host_instance_[0-9A-F]+\.instance_id\}" AND logName="projects\/airlock-example\/logs\/serialconsole\.googleapis\.com%2Fserial_port_1_output" AND textPayload:"pip-airlock-"' --project airlock-example /,
      ),
    });
    // The scripts' log lines start "pip-airlock-<script>": the log command's filter must match them.
    expect(buildStack().stack.bootstrapScript).toContain(`printf '%s pip-airlock-%s [%s] %s\\n'`);
  });

  it("outputs the next steps after a deploy, in order, with this deployment's names", () => {
    const steps = (json.output!.next_steps.value as string).split(/\n(?=\d\. )/);
    expect(steps.map((s) => s.slice(0, 9))).toEqual(["1. Watch ", "2. Watch ", "3. Upload", "4. Instal"]);
    expect(steps[0]).toContain(json.output!.public_host_progress.value);
    expect(steps[0]).toContain("then the VM stops itself");
    expect(steps[2]).toContain(
      "twine upload --repository-url https://us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/ dist/*",
    );
    expect(steps[3]).toContain(json.output!.private_host_ssh.value);
    const remote = synthJson(buildStack(exampleConfig((c) => (c.mode = "remote"))).stack);
    expect(remote.output!.next_steps.value).not.toContain("mirror");
    expect(remote.output!.next_steps.value).toMatch(/^1\. Watch the private host/);
  });

  it("enables every API it calls, waits for them to propagate, and creates everything else after that", () => {
    const services = json.resource.google_project_service;
    expect(
      Object.values<any>(services)
        .map((s) => s.service)
        .sort(),
    ).toEqual([
      "artifactregistry.googleapis.com",
      "cloudkms.googleapis.com",
      "cloudscheduler.googleapis.com",
      "compute.googleapis.com",
      "dns.googleapis.com",
      "iam.googleapis.com",
      "iap.googleapis.com",
      "oslogin.googleapis.com",
    ]);
    const [sleepName, sleep] = Object.entries<any>(json.resource.time_sleep)[0];
    expect(sleep.create_duration).toBe("60s");
    expect(sleep.depends_on.sort()).toEqual(
      Object.keys(services)
        .map((n) => `google_project_service.${n}`)
        .sort(),
    );
    for (const [type, byName] of Object.entries<Record<string, any>>(json.resource)) {
      if (type === "google_project_service" || type === "time_sleep") continue;
      for (const [name, resource] of Object.entries<any>(byName)) {
        expect([`${type}.${name}`, resource.depends_on]).toEqual([`${type}.${name}`, expect.arrayContaining([`time_sleep.${sleepName}`])]);
      }
    }
  });

  it("keeps local state by default and uses a GCS backend when a state bucket is set", () => {
    expect(json.terraform?.backend).toEqual({ local: { path: "../../../terraform.airlock.tfstate" } });
    const gcs = synthJson(buildStack(exampleConfig((c) => (c.stateBucket = { bucket: "tf-state-123", prefix: "infra" }))).stack);
    expect(gcs.terraform?.backend?.gcs).toEqual({ bucket: "tf-state-123", prefix: "infra/airlock" });
  });
});
