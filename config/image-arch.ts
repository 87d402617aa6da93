import { IMAGE_FAMILIES, ImageFamily, lookupImage, TargetArch } from "./images";
import { machineArch } from "./machine-types";

/** A VM's machine type and image, as the config names them. */
export interface VmPair {
  readonly machineTypeField: string;
  readonly machineType: string;
  readonly imageField: string;
  readonly image: string;
}

const ARCH_WORDS: Record<TargetArch, string> = { x86_64: "x86_64 (Intel or AMD)", aarch64: "Arm (aarch64)" };

/** A family's name without its CPU word: `ubuntu-2404-lts-amd64` and `ubuntu-2404-lts-arm64` are both `ubuntu-2404-lts`. */
function withoutArch(family: string): string {
  return family.replace(/-(amd64|arm64|x86-64)(?=-|$)/g, "");
}

/** The image of the same release (and variant: minimal, optimized) for `arch`, in the same project, if the table has it. */
export function counterpartFamily(family: ImageFamily, arch: TargetArch): ImageFamily | undefined {
  const usable = IMAGE_FAMILIES.filter((f) => f.project === family.project && f.target.arch === arch && !f.refused);
  return (
    usable.find((f) => withoutArch(f.family) === withoutArch(family.family)) ??
    usable.find((f) => f.osKey === family.osKey && !/minimal|optimized/.test(f.family))
  );
}

/** The x86_64 series of each Arm series' shape: the same vCPUs and memory per vCPU on the other CPU. */
const X86_OF_ARM: Record<string, string> = { t2a: "t2d", c4a: "c4", n4a: "n4", a4x: "a4" };

/** The same machine type on the x86_64 series of its Arm series (`t2a-standard-8`: `t2d-standard-8`), if there is one. */
function sameShape(machineType: string): string | undefined {
  const [series, ...rest] = machineType.split("-");
  return X86_OF_ARM[series] ? [X86_OF_ARM[series], ...rest].join("-") : undefined;
}

/**
 * A machine type of one CPU architecture with an image of the other: GCE refuses to boot it (or, for the
 * private side, the mirror would serve wheels for a CPU no host has). Reported at the image, whose fix keeps
 * the release the user chose. Custom images and unknown series: their architecture is not known here.
 */
export function imageArchProblem(vm: VmPair): string | undefined {
  const machine = machineArch(vm.machineType);
  const found = lookupImage(vm.image);
  if (!machine || found.kind !== "known" || found.family.refused) return undefined;
  const image = found.family.target.arch;
  if (image === machine) return undefined;
  const same = counterpartFamily(found.family, machine);
  const fix = same
    ? `use "${same.project}/${same.family}" (${same.os}, for ${ARCH_WORDS[machine]})`
    : `${found.family.os} has no ${machine} image pip-airlock knows: use an ${ARCH_WORDS[image]} machine type${sameShape(vm.machineType) ? ` such as "${sameShape(vm.machineType)}"` : ""} for ${vm.machineTypeField}`;
  return `"${vm.image}" is an ${ARCH_WORDS[image]} image, and ${vm.machineTypeField} "${vm.machineType}" is an ${ARCH_WORDS[machine]} machine, which cannot boot it: ${fix}`;
}

/** Every VM of an environment whose image's CPU is not its machine type's: the private and public hosts, the fleet. */
export function vmArchProblems(env: {
  readonly mode: string;
  readonly hosts: {
    readonly machineType: string;
    readonly image: string;
    readonly publicImage: string;
    readonly createPrivateHost: boolean;
  };
  readonly fleet?: { readonly machineType: string; readonly image: string };
}): Array<{ path: string[]; message: string }> {
  const vms: Array<[string[], VmPair]> = [];
  const host = (imageField: "image" | "publicImage"): VmPair => ({
    machineTypeField: "hosts.machineType",
    machineType: env.hosts.machineType,
    imageField: `hosts.${imageField}`,
    image: env.hosts[imageField],
  });
  if (env.hosts.createPrivateHost) vms.push([["hosts", "image"], host("image")]);
  if (env.mode === "mirror") vms.push([["hosts", "publicImage"], host("publicImage")]);
  if (env.fleet)
    vms.push([
      ["fleet", "image"],
      { machineTypeField: "fleet.machineType", machineType: env.fleet.machineType, imageField: "fleet.image", image: env.fleet.image },
    ]);
  return vms.flatMap(([path, vm]) => {
    const message = imageArchProblem(vm);
    return message ? [{ path, message }] : [];
  });
}
