/**
 * Wheel platform tags the private hosts' pip accepts, by image. pip accepts every manylinux tag up to the
 * image's glibc (PEP 600), and `pip download --platform` matches only the tags it is given: a list that
 * stops below the newest wheels' tag finds nothing (cryptography >= 45 ships manylinux_2_34 only).
 */
export const TARGET_IMAGES = {
  "debian-11": { glibc: 31 },
  "debian-12": { glibc: 36 },
  "debian-13": { glibc: 41 },
  "ubuntu-2204": { glibc: 35 },
  "ubuntu-2404": { glibc: 39 },
  "rhel-9": { glibc: 34 },
} as const;

export type TargetImage = keyof typeof TARGET_IMAGES;
export const TARGET_ARCHES = ["x86_64", "aarch64"] as const;
export type TargetArch = (typeof TARGET_ARCHES)[number];

/** manylinux_2_GLIBC … manylinux_2_17 and its legacy alias manylinux2014, newest first. */
export function platformsFor(image: TargetImage, arch: TargetArch): string[] {
  const tags: string[] = [];
  for (let minor = TARGET_IMAGES[image].glibc; minor >= 17; minor--) tags.push(`manylinux_2_${minor}_${arch}`);
  tags.push(`manylinux2014_${arch}`);
  return tags;
}
