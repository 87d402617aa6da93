import { terraformLiteral } from "./terraform-literal";

/** Shielded VM: secure boot, vTPM, integrity monitoring. */
export const SHIELDED_VM = { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true } as const;

/**
 * The metadata every airlock VM carries: OS Login, project-wide SSH keys blocked, no interactive serial
 * port, guest attributes on (the startup script reports through them), and the startup script itself
 * (escaped so Terraform hands it over byte for byte).
 */
export function secureMetadata(startupScript: string): Record<string, string> {
  return {
    "enable-oslogin": "TRUE",
    "block-project-ssh-keys": "TRUE",
    "enable-guest-attributes": "TRUE",
    "serial-port-enable": "FALSE",
    "startup-script": terraformLiteral(startupScript),
  };
}
