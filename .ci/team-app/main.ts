// A platform team's own cdktf app (its provider, backend, a bucket and a bastion of its own), to which it
// adds pip-airlock from the packed package. The scratch app of __tests__/packed-library.test.ts
// (cdktf 0.21) and of .ci/cdktn-check.sh (cdktn 0.24 as "cdktf"). With TEAM_OPENS_SSH set, the team also
// opens SSH to the airlock's private network from anywhere, which a guardrail must refuse.
import { App, GcsBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { AirlockConfig, PipAirlock } from "pip-airlock";

const airlockConfig: AirlockConfig = {
  projectId: "acme-airlock-dev",
  region: "us-central1",
  zone: "us-central1-a",
  labels: { team: "platform" },
  networks: {
    public: { name: "airlock-public", subnetCidr: "10.10.0.0/24" },
    private: { name: "airlock-private", subnetCidr: "10.20.0.0/24" },
  },
  repositories: { kmsKeyName: "projects/acme-airlock-dev/locations/us-central1/keyRings/pip-airlock/cryptoKeys/repositories" },
  fleet: { name: "workers", size: 2, machineType: "e2-small", image: "debian-cloud/debian-12", accountId: "workers" },
};

class PlatformStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new GoogleProvider(this, "google", { project: "acme-platform", region: "europe-west1" });
    new GcsBackend(this, { bucket: "acme-tf-state", prefix: "platform" });
    new StorageBucket(this, "artifacts", { name: "acme-artifacts", location: "EU" });
    // The team's own bastion, with an external IP on the team's own network: not the airlock's business.
    new ComputeInstance(this, "bastion", {
      name: "bastion",
      zone: "europe-west1-b",
      machineType: "e2-micro",
      bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } },
      networkInterface: [{ network: "default", accessConfig: [{}] }],
    });

    const airlock = new PipAirlock(this, "airlock", { config: airlockConfig });
    airlock.privateRepo.grantRead({ member: "group:ml-team@acme.example", grantId: (access) => `ml-team-${access}` });
    if (process.env.TEAM_OPENS_SSH) {
      new ComputeFirewall(this, "open-ssh", {
        name: "open-ssh",
        network: airlock.privateNetwork.network.id,
        sourceRanges: ["0.0.0.0/0"],
        allow: [{ protocol: "tcp", ports: ["22"] }],
      });
    }
  }
}

const app = new App({ outdir: process.env.TEAM_OUTDIR ?? "cdktf.out" });
new PlatformStack(app, "platform");
app.synth();
