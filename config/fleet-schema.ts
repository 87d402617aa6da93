import { z } from "zod";
import { BOOT_DISK_TYPES } from "./machine-types";

/** The fleet's boot disk; `type` defaults by machine series (pd-balanced, or Hyperdisk Balanced where only that boots). */
export const bootDiskSchema = z
  .strictObject({
    sizeGb: z
      .number()
      .int()
      .min(10, "must be at least 10: a boot disk holds its image, and no public image is smaller")
      .max(65536, "must be at most 65536 (64 TB)")
      .default(20)
      .describe(
        "The disk's size: 10 to 65,536 GB, within what its type takes. A GPU image with its drivers and CUDA needs more than 20 GB.",
      ),
    type: z
      .enum(BOOT_DISK_TYPES)
      .optional()
      .describe(
        "By default `pd-balanced`, or `hyperdisk-balanced` for the series that boot from Hyperdisk only (C4, C4A, C4D, N4, N4D, N4A, H4D, M4, X4, A3 Ultra, A4, A4X, G4); " +
          "`pd-ssd`, `pd-standard`, `pd-extreme` (500 GB or more, N2 from 64 vCPUs, M1, M2, M3) or `hyperdisk-balanced` where the series takes them " +
          "(a type it does not boot from is refused with the ones it does).",
      ),
  })
  .prefault({})
  .describe("The VMs' boot disk: 20 GB of the series' default type. It carries the config's `labels` too.");

/** GPUs attached to each VM (N1 machine types only; accelerator-optimized types carry theirs). */
export const acceleratorsSchema = z
  .array(
    z
      .strictObject({
        type: z
          .string()
          .regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be a GPU model such as "nvidia-tesla-t4"')
          .describe("The GPU model, such as `nvidia-tesla-t4`."),
        count: z.number().int().min(1, "must be at least 1").describe("GPUs of that model on each VM."),
      })
      .describe("One GPU model and its count."),
  )
  .default([])
  .describe(
    'GPUs attached to each VM, such as `[{ "type": "nvidia-tesla-t4", "count": 1 }]`: N1 types only (T4, P4, P100 with 1, 2 or 4; V100 with 1, 2, 4 or 8; the `-vws` workstation models; ' +
      "an N1 type with more vCPUs than the count allows is refused). Accelerator-optimized types (A2, A3, A4, A4X, G2, G4) carry their own and take none.",
  );

/** In a regional group, what Compute Engine requires of maxSurge and maxUnavailable. */
const REPLACING =
  "One of `maxSurge` and `maxUnavailable` is above 0; in a regional group each is 0 or at least the number of zones, as Compute Engine requires.";

/** How the group applies a new template: `proactive` replaces VMs now, `opportunistic` only when it creates or repairs one. */
export const updatePolicySchema = z
  .strictObject({
    type: z
      .enum(["proactive", "opportunistic"])
      .default("proactive")
      .describe("`proactive` replaces running VMs; `opportunistic` only builds new VMs from it (when the group creates or repairs one)."),
    maxSurge: z
      .number()
      .int()
      .min(0, "must be at least 0")
      .max(1000, "must be at most 1000")
      .optional()
      .describe(`Extra VMs above the target size while replacing: by default 1 (a regional group: its number of zones). ${REPLACING}`),
    maxUnavailable: z
      .number()
      .int()
      .min(0, "must be at least 0")
      .max(1000, "must be at most 1000")
      .default(0)
      .describe(`VMs that may be down while replacing. ${REPLACING}`),
  })
  .describe("How the group applies a new template (see Fleets: what replaces the template).");

/** An autoscaler on the group's average CPU. */
export const autoscalingSchema = z
  .strictObject({
    minReplicas: z
      .number()
      .int()
      .min(1, "must be at least 1: the autoscaler measures CPU on running VMs")
      .max(2000, "must be at most 2000")
      .default(1)
      .describe("The fewest VMs the autoscaler keeps."),
    maxReplicas: z
      .number()
      .int()
      .min(1, "must be at least 1")
      .max(2000, "must be at most 2000")
      .describe("The most VMs the autoscaler keeps."),
    cpuTarget: z
      .number()
      .gt(0, "must be above 0")
      .max(1, "must be at most 1 (100%)")
      .default(0.6)
      .describe("The average CPU utilization the autoscaler keeps the group at, above 0 and at most 1."),
    cooldownSeconds: z
      .number()
      .int()
      .min(0, "must be at least 0")
      .max(3600, "must be at most 3600")
      .default(300)
      .describe("How long a new VM is not measured, in seconds: its bootstrap's pip install would read as load."),
  })
  .describe(
    "An autoscaler (zonal or regional, as the group) keeping the group's average CPU at `cpuTarget`; it sets the group's size, so `size` is refused with it.",
  );

/** A health check on each VM, and auto-healing: a VM that fails it is recreated. */
export const healthCheckSchema = z
  .strictObject({
    protocol: z.enum(["http", "https", "tcp"]).default("http").describe("How the check reaches your service: `http`, `https` or `tcp`."),
    port: z
      .number()
      .int()
      .min(1, "must be a port from 1 to 65535")
      .max(65535, "must be a port from 1 to 65535")
      .refine(
        (p) => p !== 22,
        "must not be 22: SSH reaches the VMs from IAP's range only (guardrail AIRLOCK-G5), never from the health checkers': check your service's own port",
      )
      .describe("Your service's port on each VM; not 22 (SSH comes from IAP only)."),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~%/?=&+-]*$/, 'must be a request path such as "/healthz"')
      .optional()
      .describe("http and https: the request path; `/` when absent."),
    checkIntervalSeconds: z
      .number()
      .int()
      .min(1, "must be at least 1")
      .max(300, "must be at most 300")
      .default(10)
      .describe("Seconds between two checks of a VM."),
    timeoutSeconds: z
      .number()
      .int()
      .min(1, "must be at least 1")
      .max(300, "must be at most 300")
      .default(5)
      .describe("Seconds a check waits for the answer."),
    healthyThreshold: z
      .number()
      .int()
      .min(1, "must be at least 1")
      .max(10, "must be at most 10")
      .default(2)
      .describe("Checks in a row that pass before a VM counts as healthy."),
    unhealthyThreshold: z
      .number()
      .int()
      .min(1, "must be at least 1")
      .max(10, "must be at most 10")
      .default(3)
      .describe("Checks in a row that fail before a VM counts as unhealthy."),
    initialDelaySeconds: z
      .number()
      .int()
      .min(0, "must be at least 0")
      .max(3600, "must be at most 3600")
      .default(600)
      .describe("Seconds after a VM started before auto-healing judges it: a first boot bootstraps pip, and may wait for the mirror."),
  })
  .describe(
    "A health check of your service on each VM, and auto-healing: the group recreates a VM that fails it. " +
      "Its ingress rule (`<network>-allow-health-checks`) lets only Google's probe ranges 35.191.0.0/16 and 130.211.0.0/22 reach that port, on the fleet's service account only, logged as the other allow rules are.",
  );
