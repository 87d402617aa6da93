import { terraformLiteral } from "./terraform-literal";

/** Shielded VM: secure boot, vTPM, integrity monitoring. */
export const SHIELDED_VM = { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true } as const;

/** secureMetadata without the startup script: what a VM outside the stack (a consumer's) sets beside the bootstrap. */
export const SECURE_VM_METADATA: Readonly<Record<string, string>> = {
  "enable-oslogin": "TRUE",
  "block-project-ssh-keys": "TRUE",
  "enable-guest-attributes": "TRUE",
  "serial-port-enable": "FALSE",
  // The serial console's output (the scripts' step-by-step log) is readable only while the VM runs;
  // this sends it to Cloud Logging, kept 30 days, so the mirror's log survives its stop
  // (cloud.google.com/compute/docs/troubleshooting/viewing-serial-port-output). An organization
  // policy (compute.disableSerialPortLogging) can forbid it.
  "serial-port-logging-enable": "TRUE",
};

/**
 * The metadata every airlock VM carries: OS Login, project-wide SSH keys blocked, no interactive serial
 * port but its output kept in Cloud Logging, guest attributes on (the startup script reports through them), and the startup script itself
 * (escaped so Terraform hands it over byte for byte).
 */
export function secureMetadata(startupScript: string): Record<string, string> {
  return { ...SECURE_VM_METADATA, "startup-script": terraformLiteral(startupScript) };
}
