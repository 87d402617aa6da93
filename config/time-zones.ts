import { z } from "zod";
import { didYouMean } from "./suggest";

/** UTC's names Node and Cloud Scheduler take that the runtime's list of canonical zones leaves out. */
const UTC_NAMES = ["Etc/UTC", "UTC", "Etc/GMT", "GMT"];

/** The runtime's own IANA time zones (ICU's canonical names), plus UTC's names. */
export const TIME_ZONES: readonly string[] = [...UTC_NAMES, ...Intl.supportedValuesOf("timeZone")];

/** True for a name Node's Intl takes as a time zone (links such as Asia/Calcutta too), spelt in the database's case. */
function isTimeZone(name: string): boolean {
  if (TIME_ZONES.includes(name)) return true;
  if (TIME_ZONES.some((z) => z.toLowerCase() === name.toLowerCase())) return false;
  if (!/^[A-Z][A-Za-z]*(\/[A-Za-z0-9_+-]+)+$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The zone a mistyped name most likely meant: case, a letter or two, or a city without its area ("Berlin"). */
export function suggestTimeZone(name: string): string | undefined {
  const city = TIME_ZONES.filter((z) => z.split("/").pop()!.toLowerCase() === name.replace(/ /g, "_").toLowerCase());
  if (city.length === 1) return city[0];
  return didYouMean(name, TIME_ZONES);
}

/** `mirror.scheduleTimeZone`: an IANA time zone Cloud Scheduler reads the cron in. */
export const timeZone = z
  .string()
  .superRefine((name, ctx) => {
    if (isTimeZone(name)) return;
    const meant = suggestTimeZone(name);
    ctx.addIssue({
      code: "custom",
      message: `"${name}" is no IANA time zone: ${meant ? `did you mean "${meant}"?` : 'use one such as "Etc/UTC" or "Europe/Berlin" (the tz database\'s names: AREA/CITY)'}`,
    });
  })
  // For editors: the form of a tz database name (the list itself is the runtime's).
  .meta({ pattern: "^([A-Z][A-Za-z]*(/[A-Za-z0-9_+-]+)+|UTC|GMT)$" });
