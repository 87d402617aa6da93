/**
 * Fails a suite that leaves a child process, socket or timer running after its last test. Such a handle
 * keeps the jest worker alive past the run, which jest reports as "A worker process has failed to exit
 * gracefully and has been force exited". Handles still closing (a child whose 'close' just fired) get up
 * to `settleMs` to go.
 */
export function guardAgainstLeaks(settleMs = 2000): void {
  const baseline = countByType(process.getActiveResourcesInfo());
  // jest times the afterAll hook below with a timer of its own.
  baseline.set("Timeout", (baseline.get("Timeout") ?? 0) + 1);
  afterAll(async () => {
    const deadline = Date.now() + settleMs;
    let left = extraResources(baseline);
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = extraResources(baseline);
    }
    if (left.length > 0) {
      throw new Error(
        `this suite left ${left.join(", ")} running after its last test (await every child process and server, clear every timer): ` +
          "jest would report that a worker failed to exit gracefully",
      );
    }
  });
}

function countByType(types: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Resource types above the baseline count, e.g. ["1 ProcessWrap", "2 PipeWrap"]. */
function extraResources(baseline: Map<string, number>): string[] {
  const now = countByType(process.getActiveResourcesInfo());
  return [...now]
    .map(([type, count]) => [type, count - (baseline.get(type) ?? 0)] as const)
    .filter(([, extra]) => extra > 0)
    .map(([type, extra]) => `${extra} ${type}`);
}
