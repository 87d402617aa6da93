import { distance } from "fastest-levenshtein";

/**
 * The Compute Engine public image families pip-airlock knows, with what decides which wheels a host's
 * pip accepts: its system CPython (the bootstrap runs `python3`) and its glibc (PEP 600: pip accepts
 * every manylinux tag up to it), and its CPU.
 *
 * Families and image names: Compute Engine's "Operating system details" and "OS image lifecycle" pages
 * (cloud.google.com/compute/docs/images/os-details, …/os-image-lifecycle): an image name is its family's
 * stem plus a release date, e.g. debian-12-bookworm-v20240110 of family debian-12.
 * Python and glibc are those of each release's own packages:
 * - Debian 11: python3 3.9.2, libc6 2.31 (packages.debian.org/bullseye); LTS ended 2026-08-31 (wiki.debian.org/LTS).
 * - Debian 12: python3 3.11.2, libc6 2.36 (packages.debian.org/bookworm).
 * - Debian 13: python3 3.13.5, libc6 2.41 (packages.debian.org/trixie; Debian 13 release notes).
 * - Ubuntu 20.04: python3 3.8.10, libc6 2.31; standard support ended 2025-05-31 (ubuntu.com/about/release-cycle).
 * - Ubuntu 22.04: python3 3.10.12, libc6 2.35 (packages.ubuntu.com/jammy).
 * - Ubuntu 24.04: python3 3.12.3, libc6 2.39 (packages.ubuntu.com/noble).
 * - Ubuntu 26.04 "Resolute Raccoon" (released 2026-04-23): python3 is CPython 3.14 (3.12 left the archive) and
 *   glibc is 2.43, as reported by vmafx ADR-0603 "Ubuntu 26.04 fallout fixes" (vmafx.github.io/vmafx/adr/0603-…,
 *   2026-05-19). Not yet confirmed against packages.ubuntu.com/resolute, so the patch level of python3 is left
 *   out (`3.14`). GCE family names follow 24.04's pattern (`ubuntu-2604-lts-amd64`, `-arm64`, `ubuntu-minimal-…`,
 *   images `ubuntu-2604-resolute-amd64-v…`): not confirmed against the os-details page either.
 * - RHEL 8 / Rocky 8: `python3` is 3.6 (platform-python), glibc 2.28 (RHEL 8 release notes).
 * - RHEL 9 / Rocky 9: python3 3.9 (3.9.21 in 9.6), glibc 2.34 (RHEL 9 release notes; Rocky 9 is built from them).
 * - RHEL 10 / Rocky 10: python3 3.12, glibc 2.39 (RHEL 10 release notes); arm64 families as for 9
 *   (rhel-10-arm64, rocky-linux-10-arm64, rocky-linux-10-optimized-gcp-arm64: GCE os-details, Rocky Linux and RHEL).
 */
export const TARGET_ARCHES = ["x86_64", "aarch64"] as const;
export type TargetArch = (typeof TARGET_ARCHES)[number];

/** What a host runs, as far as its pip's wheel choice goes. */
export interface PythonTarget {
  /** CPython version, `X.Y` or `X.Y.Z` (the patch level matters to Requires-Python such as `!=3.9.1`). */
  readonly python: string;
  /** glibc version `2.N`. */
  readonly glibc: string;
  readonly arch: TargetArch;
}

export interface ImageFamily {
  /** The image project, e.g. `debian-cloud`. */
  readonly project: string;
  readonly family: string;
  /** Names of this family's images start with it (the family name plus the codename, as GCE names them). */
  readonly imageStem: string;
  /** The OS, for messages. */
  readonly os: string;
  /** `mirror.targetImage`'s name of the OS (the key older configs used). */
  readonly osKey: string;
  readonly target: PythonTarget;
  /** The mirror script installs its tools with apt: only these may be the public host. */
  readonly debian: boolean;
  /** Why a VM on this family cannot use pip-airlock (end of life, or a Python the helpers dropped). */
  readonly refused?: string;
}

type Row = [
  project: string,
  family: string,
  stem: string,
  os: string,
  osKey: string,
  python: string,
  glibc: string,
  arch: TargetArch,
  refused?: string,
];

const DEBIAN_11_EOL =
  "Debian 11 reached the end of its long-term support on 2026-08-31 and gets no security updates: use debian-cloud/debian-12 or debian-cloud/debian-13";
const UBUNTU_2004_EOL =
  "Ubuntu 20.04's standard support ended on 2025-05-31, and its CPython 3.8 is older than keyring supports (>= 3.9): use ubuntu-2204-lts or ubuntu-2404-lts-amd64";
const EL8_PYTHON =
  "its system python3 is CPython 3.6, which keyring and pip dropped long ago (they need >= 3.9): use a RHEL or Rocky Linux 9 image";

const ROWS: Row[] = [
  ["debian-cloud", "debian-11", "debian-11-bullseye-v", "Debian 11", "debian-11", "3.9.2", "2.31", "x86_64", DEBIAN_11_EOL],
  [
    "debian-cloud",
    "debian-11-arm64",
    "debian-11-bullseye-arm64-v",
    "Debian 11 (arm64)",
    "debian-11",
    "3.9.2",
    "2.31",
    "aarch64",
    DEBIAN_11_EOL,
  ],
  ["debian-cloud", "debian-12", "debian-12-bookworm-v", "Debian 12", "debian-12", "3.11.2", "2.36", "x86_64"],
  ["debian-cloud", "debian-12-arm64", "debian-12-bookworm-arm64-v", "Debian 12 (arm64)", "debian-12", "3.11.2", "2.36", "aarch64"],
  ["debian-cloud", "debian-13", "debian-13-trixie-v", "Debian 13", "debian-13", "3.13.5", "2.41", "x86_64"],
  ["debian-cloud", "debian-13-arm64", "debian-13-trixie-arm64-v", "Debian 13 (arm64)", "debian-13", "3.13.5", "2.41", "aarch64"],
  ["ubuntu-os-cloud", "ubuntu-2004-lts", "ubuntu-2004-focal-v", "Ubuntu 20.04", "ubuntu-2004", "3.8.10", "2.31", "x86_64", UBUNTU_2004_EOL],
  ["ubuntu-os-cloud", "ubuntu-2204-lts", "ubuntu-2204-jammy-v", "Ubuntu 22.04", "ubuntu-2204", "3.10.12", "2.35", "x86_64"],
  [
    "ubuntu-os-cloud",
    "ubuntu-2204-lts-arm64",
    "ubuntu-2204-jammy-arm64-v",
    "Ubuntu 22.04 (arm64)",
    "ubuntu-2204",
    "3.10.12",
    "2.35",
    "aarch64",
  ],
  [
    "ubuntu-os-cloud",
    "ubuntu-minimal-2204-lts",
    "ubuntu-minimal-2204-jammy-v",
    "Ubuntu 22.04 minimal",
    "ubuntu-2204",
    "3.10.12",
    "2.35",
    "x86_64",
  ],
  ["ubuntu-os-cloud", "ubuntu-2404-lts-amd64", "ubuntu-2404-noble-amd64-v", "Ubuntu 24.04", "ubuntu-2404", "3.12.3", "2.39", "x86_64"],
  [
    "ubuntu-os-cloud",
    "ubuntu-2404-lts-arm64",
    "ubuntu-2404-noble-arm64-v",
    "Ubuntu 24.04 (arm64)",
    "ubuntu-2404",
    "3.12.3",
    "2.39",
    "aarch64",
  ],
  [
    "ubuntu-os-cloud",
    "ubuntu-minimal-2404-lts-amd64",
    "ubuntu-minimal-2404-noble-amd64-v",
    "Ubuntu 24.04 minimal",
    "ubuntu-2404",
    "3.12.3",
    "2.39",
    "x86_64",
  ],
  [
    "ubuntu-os-cloud",
    "ubuntu-minimal-2404-lts-arm64",
    "ubuntu-minimal-2404-noble-arm64-v",
    "Ubuntu 24.04 minimal (arm64)",
    "ubuntu-2404",
    "3.12.3",
    "2.39",
    "aarch64",
  ],
  ["ubuntu-os-cloud", "ubuntu-2604-lts-amd64", "ubuntu-2604-resolute-amd64-v", "Ubuntu 26.04", "ubuntu-2604", "3.14", "2.43", "x86_64"],
  [
    "ubuntu-os-cloud",
    "ubuntu-2604-lts-arm64",
    "ubuntu-2604-resolute-arm64-v",
    "Ubuntu 26.04 (arm64)",
    "ubuntu-2604",
    "3.14",
    "2.43",
    "aarch64",
  ],
  [
    "ubuntu-os-cloud",
    "ubuntu-minimal-2604-lts-amd64",
    "ubuntu-minimal-2604-resolute-amd64-v",
    "Ubuntu 26.04 minimal",
    "ubuntu-2604",
    "3.14",
    "2.43",
    "x86_64",
  ],
  [
    "ubuntu-os-cloud",
    "ubuntu-minimal-2604-lts-arm64",
    "ubuntu-minimal-2604-resolute-arm64-v",
    "Ubuntu 26.04 minimal (arm64)",
    "ubuntu-2604",
    "3.14",
    "2.43",
    "aarch64",
  ],
  ["rhel-cloud", "rhel-8", "rhel-8-v", "RHEL 8", "rhel-8", "3.6.8", "2.28", "x86_64", EL8_PYTHON],
  ["rhel-cloud", "rhel-9", "rhel-9-v", "RHEL 9", "rhel-9", "3.9.21", "2.34", "x86_64"],
  ["rhel-cloud", "rhel-9-arm64", "rhel-9-arm64-v", "RHEL 9 (arm64)", "rhel-9", "3.9.21", "2.34", "aarch64"],
  ["rhel-cloud", "rhel-10", "rhel-10-v", "RHEL 10", "rhel-10", "3.12.9", "2.39", "x86_64"],
  ["rhel-cloud", "rhel-10-arm64", "rhel-10-arm64-v", "RHEL 10 (arm64)", "rhel-10", "3.12.9", "2.39", "aarch64"],
  ["rocky-linux-cloud", "rocky-linux-8", "rocky-linux-8-v", "Rocky Linux 8", "rhel-8", "3.6.8", "2.28", "x86_64", EL8_PYTHON],
  ["rocky-linux-cloud", "rocky-linux-9", "rocky-linux-9-v", "Rocky Linux 9", "rhel-9", "3.9.21", "2.34", "x86_64"],
  [
    "rocky-linux-cloud",
    "rocky-linux-9-optimized-gcp",
    "rocky-linux-9-optimized-gcp-v",
    "Rocky Linux 9 (optimized for GCP)",
    "rhel-9",
    "3.9.21",
    "2.34",
    "x86_64",
  ],
  ["rocky-linux-cloud", "rocky-linux-9-arm64", "rocky-linux-9-arm64-v", "Rocky Linux 9 (arm64)", "rhel-9", "3.9.21", "2.34", "aarch64"],
  [
    "rocky-linux-cloud",
    "rocky-linux-9-optimized-gcp-arm64",
    "rocky-linux-9-optimized-gcp-arm64-v",
    "Rocky Linux 9 (optimized for GCP, arm64)",
    "rhel-9",
    "3.9.21",
    "2.34",
    "aarch64",
  ],
  ["rocky-linux-cloud", "rocky-linux-10", "rocky-linux-10-v", "Rocky Linux 10", "rhel-10", "3.12.9", "2.39", "x86_64"],
  [
    "rocky-linux-cloud",
    "rocky-linux-10-optimized-gcp",
    "rocky-linux-10-optimized-gcp-v",
    "Rocky Linux 10 (optimized for GCP)",
    "rhel-10",
    "3.12.9",
    "2.39",
    "x86_64",
  ],
  ["rocky-linux-cloud", "rocky-linux-10-arm64", "rocky-linux-10-arm64-v", "Rocky Linux 10 (arm64)", "rhel-10", "3.12.9", "2.39", "aarch64"],
  [
    "rocky-linux-cloud",
    "rocky-linux-10-optimized-gcp-arm64",
    "rocky-linux-10-optimized-gcp-arm64-v",
    "Rocky Linux 10 (optimized for GCP, arm64)",
    "rhel-10",
    "3.12.9",
    "2.39",
    "aarch64",
  ],
];

export const IMAGE_FAMILIES: readonly ImageFamily[] = ROWS.map(([project, family, imageStem, os, osKey, python, glibc, arch, refused]) => ({
  project,
  family,
  imageStem,
  os,
  osKey,
  target: { python, glibc, arch },
  debian: project === "debian-cloud",
  ...(refused ? { refused } : {}),
}));

/** The OS names `mirror.targetImage` accepts (older configs named the private hosts' OS this way). */
export const TARGET_OS_KEYS = [...new Set(IMAGE_FAMILIES.map((f) => f.osKey))] as [string, ...string[]];

/** The image projects whose every image pip-airlock knows: another name there is a mistake, not a custom image. */
export const PUBLIC_IMAGE_PROJECTS = [...new Set(IMAGE_FAMILIES.map((f) => f.project))];

/** `IMAGE_PROJECT/NAME` of any form GCE accepts (`projects/P/global/images/[family/]NAME`, with or without the API URL). */
export function parseImage(image: string): { project: string; name: string } | undefined {
  const long = /^(?:https:\/\/www\.googleapis\.com\/compute\/v1\/)?projects\/([a-z0-9-]+)\/global\/images\/(?:family\/)?([a-z0-9-]+)$/.exec(
    image,
  );
  if (long) return { project: long[1], name: long[2] };
  const short = /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(image);
  return short ? { project: short[1], name: short[2] } : undefined;
}

export type ImageLookup =
  | { readonly kind: "known"; readonly family: ImageFamily }
  /** In a public image project, but no family or image of it pip-airlock knows: most likely misspelt. */
  | { readonly kind: "misspelt"; readonly project: string; readonly name: string; readonly families: string[] }
  /** A custom image (another project): what it runs must be declared. */
  | { readonly kind: "custom" };

/** The family of a family name or of one of its dated images (the longest stem wins: `…-arm64-v` over `…-v`). */
export function lookupImage(image: string): ImageLookup {
  const parsed = parseImage(image);
  if (!parsed) return { kind: "custom" };
  const inProject = IMAGE_FAMILIES.filter((f) => f.project === parsed.project);
  if (inProject.length === 0) return { kind: "custom" };
  const byFamily = inProject.find((f) => f.family === parsed.name);
  const byImage = inProject
    .filter((f) => parsed.name.startsWith(f.imageStem) && /^[0-9]{8}/.test(parsed.name.slice(f.imageStem.length)))
    .sort((a, b) => b.imageStem.length - a.imageStem.length)[0];
  const family = byFamily ?? byImage;
  if (family) return { kind: "known", family };
  return {
    kind: "misspelt",
    project: parsed.project,
    name: parsed.name,
    families: inProject.filter((f) => !f.refused).map((f) => `${f.project}/${f.family}`),
  };
}

/** The family of a `mirror.targetImage` OS name (its x86_64 or arm64 image). */
export function familyOfOsKey(osKey: string, arch: TargetArch): ImageFamily | undefined {
  return IMAGE_FAMILIES.find((f) => f.osKey === osKey && f.target.arch === arch);
}

/** `X.Y` of a CPython version. */
export function minorVersion(python: string): string {
  return python.split(".").slice(0, 2).join(".");
}

/**
 * Wheel platform tags a host's pip accepts: manylinux_2_GLIBC … manylinux_2_17 and its legacy alias
 * manylinux2014, newest first. `pip download --platform` matches only the tags it is given: a list that
 * stops below the newest wheels' tag finds nothing (cryptography >= 45 ships manylinux_2_34 only).
 */
export function platformsFor(target: Pick<PythonTarget, "glibc" | "arch">): string[] {
  const newest = Number(target.glibc.split(".")[1]);
  const tags: string[] = [];
  for (let minor = newest; minor >= 17; minor--) tags.push(`manylinux_2_${minor}_${target.arch}`);
  tags.push(`manylinux2014_${target.arch}`);
  return tags;
}

const ARCH_WORDS = /-(amd64|arm64|x86-64|x86_64|aarch64|amd|arm)(?=-|$)/g;

/** The release numbers a name speaks of (`ubuntu-2404-lts` → 2404), its CPU words left out (`arm64` is no release). */
function releaseNumbers(name: string): string[] {
  return name.replace(ARCH_WORDS, "").match(/[0-9]+/g) ?? [];
}

/**
 * The known image (`PROJECT/FAMILY`) an image that is refused most likely meant, keeping what its writer meant:
 * the same release (`ubuntu-2404-lts` is never 22.04), the CPU of `arch` (the machine type's, when at hand; else
 * the one its name says, else x86_64), the family's own project when the project is missing or misspelt.
 * Undefined when no usable family keeps the release: a guess of another release is worse than none.
 */
export function suggestImage(image: string, arch?: TargetArch, allowed: (f: ImageFamily) => boolean = () => true): string | undefined {
  const parsed = parseImage(image);
  const name = parsed?.name ?? (/^[a-z0-9][a-z0-9-]*$/.test(image) ? image : undefined);
  if (!name) return undefined;
  const usable = IMAGE_FAMILIES.filter((f) => !f.refused && allowed(f));
  const inProject = parsed && PUBLIC_IMAGE_PROJECTS.includes(parsed.project) ? usable.filter((f) => f.project === parsed.project) : usable;
  const named = /-(arm64|aarch64|arm)(-|$)/.test(name) ? "aarch64" : /-(amd64|x86-64|x86_64|amd)(-|$)/.test(name) ? "x86_64" : undefined;
  const cpu: TargetArch = arch ?? named ?? "x86_64";
  const show = (f: ImageFamily) => `${f.project}/${f.family}`;
  // The name is a family, or a dated image of one, with no project or another one.
  const anywhere = usable.find(
    (f) => f.family === name || (name.startsWith(f.imageStem) && /^[0-9]{8}/.test(name.slice(f.imageStem.length))),
  );
  const base = name.replace(ARCH_WORDS, "");
  const sameFamily = (f: ImageFamily) => f.family.replace(ARCH_WORDS, "") === base;
  // The family without (or with another spelling of) its CPU suffix: the one of the CPU wanted.
  const byArch = inProject.find((f) => sameFamily(f) && f.target.arch === cpu);
  if (anywhere && (anywhere.target.arch === cpu || !byArch)) return show(anywhere);
  if (byArch) return show(byArch);
  // Else the closest name among the families of the same release (and CPU, where there is one of it).
  const numbers = releaseNumbers(name);
  const sameRelease = inProject.filter((f) => numbers.length > 0 && numbers.every((n) => releaseNumbers(f.family).includes(n)));
  const ofCpu = sameRelease.filter((f) => f.target.arch === cpu);
  const pool = ofCpu.length > 0 ? ofCpu : sameRelease;
  if (pool.length === 0) return undefined;
  return show(pool.map((f) => ({ f, d: distance(f.family, name) })).sort((a, b) => a.d - b.d)[0].f);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** The forms of an image of `project`, up to its name (`P/`, `projects/P/global/images/`, with the API URL). */
const projectPrefix = (project: string) =>
  `(?:(?:https:\\/\\/www\\.googleapis\\.com\\/compute\\/v1\\/)?projects\\/${escapeRe(project)}\\/global\\/images\\/|${escapeRe(project)}\\/)`;
/** The names of `families` (each family, or a dated image of it, as lookupImage reads them), `family/` allowed before. */
const namesOf = (families: ImageFamily[]) =>
  `(?:family\\/)?(?:${families.map((f) => `${escapeRe(f.family)}|${escapeRe(f.imageStem)}[0-9]{8}[a-z0-9-]*`).join("|")})`;

/**
 * For the JSON Schema (editors): a pattern matching an image of a public image project that is no usable family
 * (misspelt, or refused such as debian-11) — what the synth refuses by the table; the schema says `not` of it.
 */
export function unknownPublicImagePattern(): string {
  const usable = IMAGE_FAMILIES.filter((f) => !f.refused);
  return `^(?:${PUBLIC_IMAGE_PROJECTS.map((p) => `${projectPrefix(p)}(?!(?:${namesOf(usable.filter((f) => f.project === p))})$)`).join("|")})`;
}

/** For the JSON Schema: a pattern of exactly the usable families (and their images) `allowed` keeps. */
export function knownImagePattern(allowed: (f: ImageFamily) => boolean): string {
  const usable = IMAGE_FAMILIES.filter((f) => !f.refused && allowed(f));
  const projects = [...new Set(usable.map((f) => f.project))];
  return `^(?:${projects.map((p) => `${projectPrefix(p)}(?:${namesOf(usable.filter((f) => f.project === p))})$`).join("|")})`;
}
