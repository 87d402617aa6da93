import { z } from "zod";
import { BOOT_DISK_TYPES } from "./machine-types";

/** The fleet's boot disk; `type` defaults by machine series (pd-balanced, or Hyperdisk Balanced where only that boots). */
export const bootDiskSchema = z
  .strictObject({
    sizeGb: z.number().int().min(10, "must be at least 10: a boot disk holds its image, and no public image is smaller").max(65536, "must be at most 65536 (64 TB)").default(20),
    /** pd-balanced by default; Hyperdisk Balanced for the series that boot from nothing else (c4, n4, …). */
    type: z.enum(BOOT_DISK_TYPES).optional(),
  })
  .prefault({});

/** GPUs attached to each VM (N1 machine types only; accelerator-optimized types carry theirs). */
export const acceleratorsSchema = z
  .array(
    z.strictObject({
      type: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be a GPU model such as "nvidia-tesla-t4"'),
      count: z.number().int().min(1, "must be at least 1"),
    }),
  )
  .default([]);

/** How the group applies a new template: `proactive` replaces VMs now, `opportunistic` only when it creates or repairs one. */
export const updatePolicySchema = z.strictObject({
  type: z.enum(["proactive", "opportunistic"]).default("proactive"),
  /** VMs above the target size while replacing; by default 1 (zonal) or the number of zones (regional). */
  maxSurge: z.number().int().min(0, "must be at least 0").max(1000, "must be at most 1000").optional(),
  /** VMs that may be down while replacing. */
  maxUnavailable: z.number().int().min(0, "must be at least 0").max(1000, "must be at most 1000").default(0),
});

/** An autoscaler on the group's average CPU. */
export const autoscalingSchema = z.strictObject({
  minReplicas: z.number().int().min(1, "must be at least 1: the autoscaler measures CPU on running VMs").max(2000, "must be at most 2000").default(1),
  maxReplicas: z.number().int().min(1, "must be at least 1").max(2000, "must be at most 2000"),
  /** Average CPU utilization the autoscaler keeps the group at, above 0 and at most 1. */
  cpuTarget: z.number().gt(0, "must be above 0").max(1, "must be at most 1 (100%)").default(0.6),
  /** Seconds a new VM is not measured: its bootstrap's pip install would read as load. */
  cooldownSeconds: z.number().int().min(0, "must be at least 0").max(3600, "must be at most 3600").default(300),
});

/** A health check on each VM, and auto-healing: a VM that fails it is recreated. */
export const healthCheckSchema = z.strictObject({
  protocol: z.enum(["http", "https", "tcp"]).default("http"),
  port: z
    .number()
    .int()
    .min(1, "must be a port from 1 to 65535")
    .max(65535, "must be a port from 1 to 65535")
    .refine((p) => p !== 22, "must not be 22: SSH reaches the VMs from IAP's range only (guardrail AIRLOCK-G5), never from the health checkers': check your service's own port"),
  /** http and https: the request path; "/" when absent. */
  path: z.string().regex(/^\/[A-Za-z0-9._~%\/?=&+-]*$/, 'must be a request path such as "/healthz"').optional(),
  checkIntervalSeconds: z.number().int().min(1, "must be at least 1").max(300, "must be at most 300").default(10),
  timeoutSeconds: z.number().int().min(1, "must be at least 1").max(300, "must be at most 300").default(5),
  healthyThreshold: z.number().int().min(1, "must be at least 1").max(10, "must be at most 10").default(2),
  unhealthyThreshold: z.number().int().min(1, "must be at least 1").max(10, "must be at most 10").default(3),
  /** Seconds after a VM starts before auto-healing judges it: its first boot bootstraps pip (and may wait for the mirror). */
  initialDelaySeconds: z.number().int().min(0, "must be at least 0").max(3600, "must be at most 3600").default(600),
});
