import {
  familyOfOsKey,
  ImageFamily,
  lookupImage,
  minorVersion,
  parseImage,
  platformsFor,
  PythonTarget,
  suggestImage,
  TargetArch,
} from "./images";
import { machineArch } from "./machine-types";

/** One wheel target of the mirror: a CPython on a glibc and CPU, with the platform tags its pip accepts. */
export interface MirrorTarget extends PythonTarget {
  readonly platforms: readonly string[];
  /** The config fields that call for it (`hosts.image`, `fleet.image`, `mirror.targets.0`, …). */
  readonly declaredBy: readonly string[];
}

/** A target declared in `mirror.targets`: an image of a known family, or what a custom image runs. */
export type DeclaredTarget = string | PythonTarget;

/** The settings the targets are derived from (validated field by field already). */
export interface TargetSettings {
  readonly mode: "mirror" | "remote";
  readonly hosts: {
    readonly image: string;
    readonly publicImage: string;
    readonly createPrivateHost: boolean;
    readonly machineType?: string;
  };
  readonly fleet?: { readonly image: string; readonly machineType?: string };
  /** Other teams' workloads (config/consumers.ts): their targets join the mirror's. */
  readonly consumers?: Readonly<Record<string, { readonly targets: readonly DeclaredTarget[] }>>;
  readonly mirror: {
    readonly targets: readonly DeclaredTarget[];
    readonly pythonVersions?: readonly string[];
    readonly targetImage?: string;
    readonly targetArch?: TargetArch;
    readonly platforms?: readonly string[];
  };
}

export interface TargetProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

const EXAMPLE_TARGET = '{ "python": "3.11", "glibc": "2.36", "arch": "x86_64" }';
const FOLLOW_IMAGES = "the mirror follows the VMs' images";

function describe(t: PythonTarget): string {
  return `CPython ${t.python}, glibc ${t.glibc}, ${t.arch}`;
}

/**
 * The problem with an image a VM or a target names, or its family. An image not in any form GCE accepts is the
 * field's own refusal (config/schema.ts, with its did-you-mean): nothing more is said of it here. `arch` is the
 * CPU of the VM's machine type, when known, for the did-you-mean.
 */
function imageFamily(
  image: string,
  path: (string | number)[],
  problems: TargetProblem[],
  arch?: TargetArch,
): ImageFamily | "custom" | undefined {
  if (!parseImage(image)) return undefined;
  const found = lookupImage(image);
  if (found.kind === "custom") return "custom";
  if (found.kind === "misspelt") {
    const guess = suggestImage(image, arch);
    const hint = guess ? `did you mean "${guess}"?` : "use one of its families";
    problems.push({
      path,
      message: `"${image}" is no image family of ${found.project} that pip-airlock knows: ${hint} (known: ${found.families.join(", ")})`,
    });
    return undefined;
  }
  if (found.family.refused) {
    problems.push({ path, message: `"${image}" (${found.family.os}) is refused: ${found.family.refused}` });
    return undefined;
  }
  return found.family;
}

/**
 * What the mirror must serve, derived from the images of every VM the stack creates (the private host,
 * the fleet) plus the VMs outside it that `mirror.targets` and the consumers' `targets` declare; deduplicated. The older settings
 * `mirror.pythonVersions`, `.targetImage` and `.targetArch` may still say the same thing, but never
 * something else: a contradiction is a problem naming both fields. Without any VM, they alone declare
 * the targets.
 */
export function resolveTargets(s: TargetSettings): { targets: MirrorTarget[]; problems: TargetProblem[] } {
  const problems: TargetProblem[] = [];
  const found: Array<{ target: PythonTarget; by: string }> = [];
  const vms: Array<{ field: string; image: string; family: ImageFamily }> = [];
  const customVms: Array<{ path: string[]; image: string }> = [];

  const vmImages: Array<[string[], string, string | undefined]> = [
    ...(s.hosts.createPrivateHost
      ? [[["hosts", "image"], s.hosts.image, s.hosts.machineType] as [string[], string, string | undefined]]
      : []),
    ...(s.fleet ? [[["fleet", "image"], s.fleet.image, s.fleet.machineType] as [string[], string, string | undefined]] : []),
  ];
  // A VM whose image is in no form GCE accepts: refused by its field; it is no reason to ask for mirror.targets.
  const malformed = vmImages.some(([, image]) => !parseImage(image));
  for (const [path, image, machineType] of vmImages) {
    const family = imageFamily(image, path, problems, machineType === undefined ? undefined : machineArch(machineType));
    if (family === "custom") customVms.push({ path, image });
    else if (family) {
      vms.push({ field: path.join("."), image, family });
      found.push({ target: family.target, by: path.join(".") });
    }
  }

  const explicit = s.mirror.targets.filter((t): t is PythonTarget => typeof t !== "string");
  const declare = (list: readonly DeclaredTarget[], field: string[]) =>
    list.forEach((declared, i) => {
      const path = [...field, i];
      const by = path.join(".");
      if (typeof declared !== "string") {
        found.push({ target: declared, by });
        return;
      }
      const family = imageFamily(declared, path, problems);
      if (family === "custom") {
        problems.push({
          path,
          message: `"${declared}" is not an image family pip-airlock knows: for a custom image, say what it runs, e.g. ${EXAMPLE_TARGET}`,
        });
      } else if (family) found.push({ target: family.target, by });
    });
  declare(s.mirror.targets, ["mirror", "targets"]);
  for (const [name, consumer] of Object.entries(s.consumers ?? {})) declare(consumer.targets, ["consumers", name, "targets"]);

  if (s.mode === "mirror" && customVms.length > 0 && explicit.length === 0) {
    for (const vm of customVms) {
      problems.push({
        path: vm.path,
        message: `"${vm.image}" is a custom image (no public image family pip-airlock knows), so nothing says which CPython and glibc it runs: declare them in mirror.targets, e.g. ${EXAMPLE_TARGET}`,
      });
    }
  }

  found.push(...legacyTargets(s, vms, problems));

  const byKey = new Map<string, { target: PythonTarget; by: string[] }>();
  for (const { target, by } of found) {
    const key = `${target.python}|${target.glibc}|${target.arch}`;
    const entry = byKey.get(key) ?? { target, by: [] };
    if (!entry.by.includes(by)) entry.by.push(by);
    byKey.set(key, entry);
  }
  const unique = [...byKey.values()];

  if (s.mode === "mirror" && unique.length === 0 && problems.length === 0 && customVms.length === 0 && !malformed) {
    problems.push({
      path: ["mirror", "targets"],
      message: `is required: the stack creates no VM (hosts.createPrivateHost is false, no fleet), so nothing says what the VMs that run the bootstrap run: list their images, e.g. ["debian-cloud/debian-12"], or ${EXAMPLE_TARGET}`,
    });
  }

  const explicitPlatforms = s.mirror.platforms;
  if (explicitPlatforms) {
    const shapes = [...new Set(unique.map((u) => `glibc ${u.target.glibc} ${u.target.arch}`))];
    if (shapes.length > 1) {
      problems.push({
        path: ["mirror", "platforms"],
        message: `applies one tag list to every target, and the targets differ (${shapes.join("; ")}): remove it, each target then gets the tags of its own glibc and CPU`,
      });
    }
  }
  const targets = unique.map(({ target, by }) => ({ ...target, platforms: explicitPlatforms ?? platformsFor(target), declaredBy: by }));
  return { targets, problems };
}

/** `mirror.pythonVersions` / `.targetImage` / `.targetArch`: checked against the VMs, or the targets when there is none. */
function legacyTargets(
  s: TargetSettings,
  vms: Array<{ field: string; image: string; family: ImageFamily }>,
  problems: TargetProblem[],
): Array<{ target: PythonTarget; by: string }> {
  const { pythonVersions, targetImage, targetArch } = s.mirror;
  if (pythonVersions === undefined && targetImage === undefined && targetArch === undefined) return [];
  const arch = targetArch ?? vms[0]?.family.target.arch ?? "x86_64";
  const family = targetImage === undefined ? undefined : familyOfOsKey(targetImage, arch);
  if (targetImage !== undefined && !family) {
    problems.push({
      path: ["mirror", "targetImage"],
      message: `"${targetImage}" has no ${arch} image pip-airlock knows: remove it (${FOLLOW_IMAGES})`,
    });
    return [];
  }
  if (family?.refused) {
    problems.push({ path: ["mirror", "targetImage"], message: `"${targetImage}" (${family.os}) is refused: ${family.refused}` });
    return [];
  }
  let contradicted = false;
  for (const vm of vms) {
    const t = vm.family.target;
    if (targetImage !== undefined && vm.family.osKey !== targetImage) {
      problems.push({
        path: ["mirror", "targetImage"],
        message: `"${targetImage}" contradicts ${vm.field} "${vm.image}" (${vm.family.os}): remove mirror.targetImage (${FOLLOW_IMAGES})`,
      });
      contradicted = true;
    }
    if (targetArch !== undefined && t.arch !== targetArch) {
      problems.push({
        path: ["mirror", "targetArch"],
        message: `"${targetArch}" contradicts ${vm.field} "${vm.image}" (${t.arch}): remove mirror.targetArch (${FOLLOW_IMAGES})`,
      });
      contradicted = true;
    }
    if (pythonVersions !== undefined && !pythonVersions.some((v) => minorVersion(v) === minorVersion(t.python))) {
      problems.push({
        path: ["mirror", "pythonVersions"],
        message: `leaves out CPython ${minorVersion(t.python)} of ${vm.field} "${vm.image}" (${vm.family.os}): remove mirror.pythonVersions (${FOLLOW_IMAGES})`,
      });
      contradicted = true;
    }
  }
  if (family && pythonVersions) {
    for (const v of pythonVersions.filter((p) => minorVersion(p) !== minorVersion(family.target.python))) {
      problems.push({
        path: ["mirror", "pythonVersions"],
        message: `"${v}" contradicts mirror.targetImage "${targetImage}" (${family.os} runs CPython ${minorVersion(family.target.python)}): declare other Pythons in mirror.targets, e.g. { "python": "${v}", "glibc": "${family.target.glibc}", "arch": "${arch}" }`,
      });
      contradicted = true;
    }
  }
  if (contradicted) return [];
  if (vms.length > 0) {
    // Every VM agrees; a Python no VM runs must be declared as a VM outside the stack.
    for (const v of pythonVersions ?? []) {
      if (!vms.some((vm) => minorVersion(vm.family.target.python) === minorVersion(v))) {
        problems.push({
          path: ["mirror", "pythonVersions"],
          message: `"${v}" is no CPython of the stack's VMs (${vms.map((vm) => `${vm.field}: ${describe(vm.family.target)}`).join("; ")}): declare the VMs outside the stack that run it in mirror.targets, e.g. { "python": "${v}", "glibc": "2.36", "arch": "x86_64" }, and remove mirror.pythonVersions`,
        });
      }
    }
    return [];
  }
  const base = family ?? familyOfOsKey("debian-12", arch)!;
  return (pythonVersions ?? [base.target.python]).map((python) => ({
    target: {
      python: minorVersion(python) === minorVersion(base.target.python) ? base.target.python : python,
      glibc: base.target.glibc,
      arch,
    },
    by: pythonVersions ? "mirror.pythonVersions" : "mirror.targetImage",
  }));
}

/** The public host's image: a Debian the mirror script supports (it installs its tools with apt). */
export function publicImageProblems(s: Pick<TargetSettings, "mode" | "hosts">): TargetProblem[] {
  if (s.mode !== "mirror" || !parseImage(s.hosts.publicImage)) return [];
  const found = lookupImage(s.hosts.publicImage);
  if (found.kind === "known" && found.family.debian && !found.family.refused) return [];
  const why = found.kind === "known" && found.family.refused ? ` (${found.family.os}: ${found.family.refused})` : "";
  return [
    {
      path: ["hosts", "publicImage"],
      message: `"${s.hosts.publicImage}"${why}: the public host runs the mirror, which installs its tools with apt on Debian 12 or 13: use "debian-cloud/debian-12" or "debian-cloud/debian-13" (the private side's images are hosts.image, fleet.image and mirror.targets)`,
    },
  ];
}
