import { AirlockHost } from "./airlock-host";
import { PrivateFleet } from "./private-fleet";

/** The first things to run after a deploy, in order, with this deployment's names. */
export function nextSteps(deployment: {
  publicHost?: AirlockHost;
  mirrorStops: boolean;
  privateHost?: AirlockHost;
  fleet?: PrivateFleet;
  uploadUrl: string;
  /** The outputs of `consumers`, one per consuming team (`consumer_NAME`). */
  consumerOutputs?: readonly string[];
}): string {
  const { publicHost, privateHost, fleet, uploadUrl } = deployment;
  const stops = deployment.mirrorStops ? ", then the VM stops itself" : "";
  const steps = [
    ...(publicHost
      ? [`Watch the mirror fill the auth repo (status "ready"${stops}; detail: public_host_log):\n   ${publicHost.progressCommand}`]
      : []),
    ...(privateHost
      ? [
          `Watch the private host install the helpers and configure pip (status "ready"; detail: private_host_log):\n   ${privateHost.progressCommand}`,
        ]
      : fleet?.progressCommand
        ? []
        : [
            `Attach the bootstrap to your VMs on the private subnet (private_subnet_self_link): the startup-script private_host_bootstrap_script, or cdktf.out/stacks/<stack>/private-host-bootstrap.sh`,
          ]),
    ...(deployment.consumerOutputs?.length
      ? [
          `Hand each consuming team its output (${deployment.consumerOutputs.join(", ")}): their Terraform reads it from this stack's state (docs/configuration.md: Consumers, examples/consumer-terraform)`,
        ]
      : []),
    ...(fleet?.progressCommand
      ? [
          `Watch the fleet's VMs bootstrap, one line per VM with its status ("ready" on each; a VM that is "failed" has failed-step too):\n   ${fleet.progressCommand}`,
        ]
      : []),
    `Upload a private package (where twine and keyrings.google-artifactregistry-auth are installed):\n   twine upload --repository-url ${uploadUrl} dist/*`,
    privateHost?.sshCommand
      ? `Install it on the private host, as any user:\n   ${privateHost.sshCommand}\n   virtualenv v && v/bin/pip install your-package`
      : privateHost
        ? `Install it on the private host, as any user (no SSH from this stack: private_host_ssh says why):\n   virtualenv v && v/bin/pip install your-package`
        : `Install it on one of your VMs, as any user:\n   virtualenv v && v/bin/pip install your-package`,
  ];
  return `${steps.map((step, i) => `${i + 1}. ${step}`).join("\n")}\n`;
}
