import { BootDiskType, parseMachineType } from "./machine-types";

/**
 * Boot disk sizes each type takes, in GB (Compute Engine "Persistent Disk" and "Hyperdisk Balanced" limits:
 * pd-standard, pd-balanced and pd-ssd 10 GB to 64 TB, pd-extreme 500 GB to 64 TB, Hyperdisk Balanced 4 GiB
 * to 64 TiB). A boot disk also holds its image, and no public image is smaller than 10 GB: that is the floor.
 */
export const BOOT_DISK_SIZES: Readonly<Record<BootDiskType, { readonly min: number; readonly max: number }>> = {
  "pd-balanced": { min: 10, max: 65536 },
  "pd-ssd": { min: 10, max: 65536 },
  "pd-standard": { min: 10, max: 65536 },
  "pd-extreme": { min: 500, max: 65536 },
  "hyperdisk-balanced": { min: 10, max: 65536 },
};

/** The boot disk type of a fleet that names none: pd-balanced, or Hyperdisk Balanced for a series that boots from Hyperdisk only. */
export function defaultBootDiskType(machineType: string): BootDiskType {
  const disks = parseMachineType(machineType)?.family.bootDisks;
  return !disks || disks.includes("pd-balanced") ? "pd-balanced" : disks[0];
}

export interface BootDiskProblem {
  readonly field: "type" | "sizeGb";
  readonly message: string;
}

/** What is wrong with a boot disk of `type` and `sizeGb` on a VM of `machineType`. */
export function bootDiskProblems(machineType: string, type: BootDiskType, sizeGb: number): BootDiskProblem[] {
  const problems: BootDiskProblem[] = [];
  const parsed = parseMachineType(machineType);
  const disks = parsed?.family.bootDisks;
  if (parsed && disks && !disks.includes(type)) {
    problems.push({
      field: "type",
      message: `is "${type}", which ${parsed.family.name} machine types do not boot from: use ${disks
        .map((d) => `"${d}"`)
        .join(", ")
        .replace(/, ([^,]+)$/, " or $1")}`,
    });
  } else if (type === "pd-extreme" && parsed?.family.name === "n2" && (parsed.vcpus ?? 0) < 64) {
    problems.push({
      field: "type",
      message: `is "pd-extreme", which N2 machine types take from 64 vCPUs only ("${machineType}" has ${parsed.vcpus ?? "fewer"}): use "pd-ssd" or "pd-balanced"`,
    });
  }
  const { min, max } = BOOT_DISK_SIZES[type];
  if (sizeGb < min) problems.push({ field: "sizeGb", message: `must be at least ${min} for a ${type} boot disk` });
  if (sizeGb > max) problems.push({ field: "sizeGb", message: `must be at most ${max} (64 TB) for a ${type} boot disk` });
  return problems;
}
