import { parseMachineType } from "./machine-types";
import { didYouMean } from "./suggest";

/**
 * The GPUs an N1 VM attaches (Compute Engine "GPU machine types", N1 section): per model, the GPU counts a VM
 * may have and, for each count, the most vCPUs the N1 machine type may have with it. P100 with 4 GPUs allows
 * 96 vCPUs in some zones, 64 in others: the larger is used, the zone decides at deploy time. The `-vws`
 * models are the same GPUs with an NVIDIA RTX Virtual Workstation licence.
 */
const N1_GPU_ROWS: Array<[model: string, counts: number[], maxVcpus: number[]]> = [
  ["nvidia-tesla-t4", [1, 2, 4], [48, 48, 96]],
  ["nvidia-tesla-p4", [1, 2, 4], [24, 48, 96]],
  ["nvidia-tesla-p100", [1, 2, 4], [16, 32, 96]],
  ["nvidia-tesla-v100", [1, 2, 4, 8], [12, 32, 64, 96]],
];
export const N1_GPUS: ReadonlyMap<string, { counts: readonly number[]; maxVcpus: readonly number[] }> = new Map(
  N1_GPU_ROWS.flatMap(([model, counts, maxVcpus]) => {
    const row = { counts, maxVcpus };
    return model === "nvidia-tesla-v100"
      ? [[model, row]]
      : [
          [model, row],
          [`${model}-vws`, row],
        ];
  }),
);

export interface Accelerator {
  readonly type: string;
  readonly count: number;
}

export interface AcceleratorProblem {
  /** Below `fleet`: `["accelerators"]`, or `["accelerators", i, "type" | "count"]`. */
  readonly path: Array<string | number>;
  readonly message: string;
}

const EXAMPLES =
  '"n1-standard-8" with them, or an accelerator-optimized type that carries its own, such as "g2-standard-8" or "a2-highgpu-1g"';

/** What is wrong with attaching `accelerators` to a VM of `machineType` (a type of a known series). */
export function acceleratorProblems(machineType: string, accelerators: readonly Accelerator[]): AcceleratorProblem[] {
  const parsed = parseMachineType(machineType);
  if (!parsed || accelerators.length === 0) return [];
  const { family } = parsed;
  if (family.accelerators === "built-in-gpus") {
    return [
      {
        path: ["accelerators"],
        message: `"${machineType}" carries its GPUs (${family.gpus}) built in, as many as its name says: remove fleet.accelerators`,
      },
    ];
  }
  if (family.accelerators === "tpus") {
    return [{ path: ["accelerators"], message: `"${machineType}" is a TPU machine type, which takes no GPUs: remove fleet.accelerators` }];
  }
  if (family.accelerators !== "attach-gpus") {
    return [{ path: ["accelerators"], message: `GPUs attach to N1 machine types only, not to "${machineType}": use ${EXAMPLES}` }];
  }
  if (accelerators.length > 1) {
    return [
      {
        path: ["accelerators"],
        message: `lists ${accelerators.length} GPU models: a VM attaches one model, so list one entry (its count says how many)`,
      },
    ];
  }
  const [{ type, count }] = accelerators;
  const gpu = N1_GPUS.get(type);
  if (!gpu) {
    const guess = didYouMean(type, [...N1_GPUS.keys()]);
    return [
      {
        path: ["accelerators", 0, "type"],
        message: `"${type}" is no GPU an N1 VM attaches${guess ? `: did you mean "${guess}"?` : `: use one of ${[...N1_GPUS.keys()].join(", ")}`}`,
      },
    ];
  }
  const at = gpu.counts.indexOf(count);
  if (at < 0) {
    return [
      {
        path: ["accelerators", 0, "count"],
        message: `must be ${gpu.counts.join(", ").replace(/, (\d+)$/, " or $1")}: the counts of ${type} an N1 VM attaches`,
      },
    ];
  }
  if (parsed.vcpus !== undefined && parsed.vcpus > gpu.maxVcpus[at]) {
    return [
      {
        path: ["machineType"],
        message: `has ${parsed.vcpus} vCPUs, and ${count} ${type} allow${count === 1 ? "s" : ""} at most ${gpu.maxVcpus[at]}: choose a smaller N1 type or more GPUs`,
      },
    ];
  }
  return [];
}
