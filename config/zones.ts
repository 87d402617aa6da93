/**
 * Compute Engine's regions and their zones (cloud.google.com/compute/docs/regions-zones, "Available
 * regions and zones"). Not every region has a zone `-a`: europe-west1 has b, c and d, us-east1 b, c and
 * d. A zone the table does not list for a known region is a mistake; a region the table does not know
 * (a new one) is only noted.
 */
const ABC = ["a", "b", "c"];
export const REGION_ZONES: Readonly<Record<string, readonly string[]>> = {
  "africa-south1": ABC,
  "asia-east1": ABC,
  "asia-east2": ABC,
  "asia-northeast1": ABC,
  "asia-northeast2": ABC,
  "asia-northeast3": ABC,
  "asia-south1": ABC,
  "asia-south2": ABC,
  "asia-southeast1": ABC,
  "asia-southeast2": ABC,
  "australia-southeast1": ABC,
  "australia-southeast2": ABC,
  "europe-central2": ABC,
  "europe-north1": ABC,
  "europe-north2": ABC,
  "europe-southwest1": ABC,
  "europe-west1": ["b", "c", "d"],
  "europe-west2": ABC,
  "europe-west3": ABC,
  "europe-west4": ABC,
  "europe-west6": ABC,
  "europe-west8": ABC,
  "europe-west9": ABC,
  "europe-west10": ABC,
  "europe-west12": ABC,
  "me-central1": ABC,
  "me-central2": ABC,
  "me-west1": ABC,
  "northamerica-northeast1": ABC,
  "northamerica-northeast2": ABC,
  "northamerica-south1": ABC,
  "southamerica-east1": ABC,
  "southamerica-west1": ABC,
  "us-central1": ["a", "b", "c", "f"],
  "us-east1": ["b", "c", "d"],
  "us-east4": ABC,
  "us-east5": ABC,
  "us-south1": ABC,
  "us-west1": ABC,
  "us-west2": ABC,
  "us-west3": ABC,
  "us-west4": ABC,
};

/** The problem with `zone` in `region` (the fix names the region's zones), or undefined. */
export function zoneProblem(region: string, zone: string): string | undefined {
  const zones = REGION_ZONES[region];
  if (!zones || !zone.startsWith(`${region}-`)) return undefined;
  const letter = zone.slice(region.length + 1);
  if (zones.includes(letter)) return undefined;
  return `is no zone of ${region}, whose zones are ${zones.map((z) => `"${region}-${z}"`).join(", ")}: use one of them`;
}

/** A note for a region the table does not know (a new region, or a misspelt one). */
export function regionNote(region: string): string | undefined {
  return REGION_ZONES[region]
    ? undefined
    : `region "${region}" is not one pip-airlock knows (config/zones.ts, from Compute Engine's list of regions): check its name and that zone exists there`;
}
