import { didYouMean } from "./suggest";
import type { TargetArch } from "./images";

/**
 * Compute Engine's machine series, with what pip-airlock's checks need of each: the CPU architecture (GCE's
 * X86_64 and ARM64, named as the images table names them: `aarch64` is ARM64), how the series gets
 * accelerators, and which boot disk types it takes.
 *
 * Sources (Compute Engine documentation):
 * - "Machine families resource and comparison guide" (cloud.google.com/compute/docs/machine-resource): the
 *   series of the general-purpose, compute-, memory-, storage- and accelerator-optimized families, their
 *   processors (Arm: T2A, C4A, N4A; A4X runs NVIDIA Grace) and the disk types each supports.
 * - "Accelerator-optimized machine family" (…/accelerator-optimized-machines) and "GPU machine types"
 *   (…/gpus): A4X, A4, A3, A2, G4 and G2 have their GPUs attached automatically; "For N1 general-purpose
 *   machine types, except for the N1 shared-core (f1-micro and g1-small), you can attach a select set of GPU
 *   models"; "GPUs are not compatible with other machine types".
 * - "Handle GPU host maintenance events" (…/gpus/gpu-host-maintenance): "VMs with attached GPUs can't be live
 *   migrated. You must set these VMs to stop for host maintenance events." TPUs, H3, H4D and X4 (and every
 *   bare-metal `-metal` type) cannot be live migrated either.
 * - TPU machine types (ct5lp-hightpu-4t, …): the Compute API's TPU VM families (CT3, CT3P, CT4P, CT5L,
 *   CT5LP, CT5P, CT6E). TPU7X is left out until its host CPU is confirmed.
 * - "Custom machine types" (…/instances/creating-instance-with-custom-machine-type): N4, N4D, N4A, N2, N2D, E2
 *   and N1 (`custom-…` without a series is N1).
 */
export type Accelerators = "none" | "built-in-gpus" | "attach-gpus" | "tpus";

export const BOOT_DISK_TYPES = ["pd-balanced", "pd-ssd", "pd-standard", "pd-extreme", "hyperdisk-balanced"] as const;
export type BootDiskType = (typeof BOOT_DISK_TYPES)[number];

export interface MachineFamily {
  /** The series (`n2`), or a series and kind where that kind differs (`a3-ultragpu`). */
  readonly name: string;
  readonly arch: TargetArch;
  readonly accelerators: Accelerators;
  /** The GPUs a built-in-GPU series carries, for messages. */
  readonly gpus?: string;
  /** Boot disk types it takes; undefined: not checked (TPU hosts). */
  readonly bootDisks?: readonly BootDiskType[];
  /** Live migration on host maintenance; false: onHostMaintenance must be TERMINATE. */
  readonly liveMigrates: boolean;
  /** Takes custom machine types (`n2-custom-4-16384`). */
  readonly custom: boolean;
}

const PD: readonly BootDiskType[] = ["pd-balanced", "pd-ssd", "pd-standard"];
const PD_EXTREME: readonly BootDiskType[] = [...PD, "pd-extreme"];
const PD_FAST: readonly BootDiskType[] = ["pd-balanced", "pd-ssd"];
const HD: readonly BootDiskType[] = ["hyperdisk-balanced"];
const TPU_SERIES = ["ct3", "ct3p", "ct4p", "ct5l", "ct5lp", "ct5p", "ct6e"];

type Row = [name: string, arch: TargetArch, bootDisks: readonly BootDiskType[] | undefined, extra?: Partial<MachineFamily>];
const ROWS: Row[] = [
  // General purpose.
  ["e2", "x86_64", PD, { custom: true }],
  ["n1", "x86_64", PD, { custom: true, accelerators: "attach-gpus" }],
  ["f1", "x86_64", PD],
  ["g1", "x86_64", PD],
  ["n2", "x86_64", PD_EXTREME, { custom: true }],
  ["n2d", "x86_64", PD, { custom: true }],
  ["n4", "x86_64", HD, { custom: true }],
  ["n4d", "x86_64", HD, { custom: true }],
  ["n4a", "aarch64", HD, { custom: true }],
  ["c3", "x86_64", [...PD_FAST, ...HD]],
  ["c3d", "x86_64", [...PD_FAST, ...HD]],
  ["c4", "x86_64", HD],
  ["c4a", "aarch64", HD],
  ["c4d", "x86_64", HD],
  ["t2d", "x86_64", PD],
  ["t2a", "aarch64", PD],
  // Compute optimized.
  ["c2", "x86_64", PD],
  ["c2d", "x86_64", PD],
  ["h3", "x86_64", ["pd-balanced", ...HD], { liveMigrates: false }],
  ["h4d", "x86_64", HD, { liveMigrates: false }],
  // Memory optimized.
  ["m1", "x86_64", [...PD_EXTREME, ...HD]],
  ["m2", "x86_64", [...PD_EXTREME, ...HD]],
  ["m3", "x86_64", [...PD_FAST, "pd-extreme", ...HD]],
  ["m4", "x86_64", HD],
  ["x4", "x86_64", HD, { liveMigrates: false }],
  // Storage optimized.
  ["z3", "x86_64", [...PD_FAST, ...HD]],
  // Accelerator optimized: the machine type fixes its GPUs.
  ["a2", "x86_64", PD, { accelerators: "built-in-gpus", gpus: "NVIDIA A100" }],
  ["a3", "x86_64", [...PD_FAST, ...HD], { accelerators: "built-in-gpus", gpus: "NVIDIA H100" }],
  ["a3-ultragpu", "x86_64", HD, { accelerators: "built-in-gpus", gpus: "NVIDIA H200" }],
  ["a4", "x86_64", HD, { accelerators: "built-in-gpus", gpus: "NVIDIA B200" }],
  ["a4x", "aarch64", HD, { accelerators: "built-in-gpus", gpus: "NVIDIA GB200" }],
  ["g2", "x86_64", PD_FAST, { accelerators: "built-in-gpus", gpus: "NVIDIA L4" }],
  ["g4", "x86_64", HD, { accelerators: "built-in-gpus", gpus: "NVIDIA RTX PRO 6000" }],
  ...TPU_SERIES.map((name): Row => [name, "x86_64", undefined, { accelerators: "tpus" }]),
];

export const MACHINE_FAMILIES: readonly MachineFamily[] = ROWS.map(([name, arch, bootDisks, extra]) => {
  const accelerators = extra?.accelerators ?? "none";
  // No GPU or TPU VM live-migrates.
  const liveMigrates = extra?.liveMigrates ?? (accelerators === "built-in-gpus" || accelerators === "tpus" ? false : true);
  return { name, arch, bootDisks, custom: false, ...extra, accelerators, liveMigrates };
});

/** A machine type's parts: its family row, its number, and whether it is bare metal or custom. */
export interface MachineType {
  readonly type: string;
  readonly family: MachineFamily;
  /** The vCPUs of a custom type or most predefined ones (GPUs or TPU chips for accelerator-optimized series); undefined for shared-core types. */
  readonly vcpus?: number;
  readonly metal: boolean;
  readonly custom: boolean;
}

/** The series a machine type names: `n2` of `n2-standard-4`, `n1` of `custom-4-8192`, `f1` of `f1-micro`. */
export function seriesOf(type: string): string {
  return type.startsWith("custom-") ? "n1" : type.split("-")[0];
}

/** The family row and parts of a machine type (already of the machine type's shape), or undefined for an unknown series. */
export function parseMachineType(type: string): MachineType | undefined {
  const [series, kind] = type.split("-");
  const name = seriesOf(type);
  const family = MACHINE_FAMILIES.find((f) => f.name === `${series}-${kind}`) ?? MACHINE_FAMILIES.find((f) => f.name === name);
  if (!family) return undefined;
  const custom = /(^|-)custom-/.test(type);
  const digits = custom ? /custom-([0-9]+)-/.exec(type)?.[1] : /^[a-z0-9]+-[a-z]+-([0-9]+)/.exec(type)?.[1];
  return { type, family, vcpus: digits ? Number(digits) : undefined, metal: type.endsWith("-metal"), custom };
}

/** Why a machine type of the right shape cannot be used: an unknown series (with the likely one), or a custom type of a series without them. */
export function machineTypeProblem(type: string): string | undefined {
  const parsed = parseMachineType(type);
  if (!parsed) {
    const series = seriesOf(type);
    const known = [...new Set(MACHINE_FAMILIES.map((f) => f.name.split("-")[0]))];
    const guess = didYouMean(series, known);
    return `names the machine series "${series}", which Compute Engine does not have${guess ? `: did you mean "${guess}" (${type.replace(series, guess)})?` : `: use one of ${known.join(", ")}`}`;
  }
  if (parsed.custom && !parsed.family.custom) {
    const series = MACHINE_FAMILIES.filter((f) => f.custom).map((f) => f.name);
    return `is a custom machine type of ${parsed.family.name}, which takes only predefined ones: custom types exist for ${series.join(", ")}`;
  }
  return undefined;
}

/** The CPU architecture of a machine type's series, or undefined for an unknown series (for the image checks). */
export function machineArch(type: string): TargetArch | undefined {
  return parseMachineType(type)?.family.arch;
}

/** True when GCE must stop the VM for host maintenance: GPUs or TPUs, a series that cannot live-migrate, bare metal. */
export function mustTerminateOnHostMaintenance(type: string, attachedGpus: number): boolean {
  const parsed = parseMachineType(type);
  return attachedGpus > 0 || parsed === undefined || !parsed.family.liveMigrates || parsed.metal;
}

/**
 * Why the airlock hosts cannot run on a machine type: they carry no accelerators, live-migrate, and boot
 * from pd-balanced (the fleet is where GPUs, Hyperdisk and the rest go).
 */
export function hostMachineTypeProblem(type: string): string | undefined {
  const parsed = parseMachineType(type);
  if (!parsed) return undefined;
  const { family } = parsed;
  const fix = 'use a general-purpose type such as "e2-small" or "n2-standard-2" (GPUs and the rest belong to the fleet: fleet.machineType)';
  if (family.accelerators === "built-in-gpus" || family.accelerators === "tpus")
    return `is "${type}", whose ${family.accelerators === "tpus" ? "TPUs" : "GPUs"} the airlock hosts do not use: ${fix}`;
  if (family.bootDisks && !family.bootDisks.includes("pd-balanced"))
    return `is "${type}", which boots from Hyperdisk only, and the airlock hosts boot from pd-balanced: ${fix}`;
  if (!family.liveMigrates || parsed.metal)
    return `is "${type}", which cannot live-migrate, and the airlock hosts are not set to stop for host maintenance: ${fix}`;
  return undefined;
}
