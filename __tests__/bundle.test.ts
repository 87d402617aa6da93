// The mirror's per-target bundles (one wheel holding a target's whole closure, every file pinned by
// sha256) and what the bootstrap does with them: the mirror's BUNDLE_PY and the bootstrap's UNBUNDLE_PY
// run as the rendered scripts carry them, on wheels made here; the upload order, the choice of bundle
// and the fallback to the index with the scripts' own functions in bash. The end-to-end proof (the real
// closure, twine, the fake Artifact Registry, a fleet under a quota) is e2e/scenarios/{mirror-bootstrap,
// bundle,fleet-boot}.sh.
import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ENV, withFunctions } from "./script-support";
import { buildStack, exampleConfig, ROOT } from "./support";

// The scripts exactly as the example's stack renders them.
const { mirrorScript, bootstrapScript: bootstrap } = buildStack(exampleConfig()).stack;
const mirror = mirrorScript!;
const TARGET = "3.11.2:x86_64:2.36";
const PROJECT = "pip-airlock-bundle-py3-11-2-x86-64-glibc2-36";
const INSPECT = path.join(ROOT, "e2e", "sim", "inspect_bundle.py");

/** A snippet NAME='...' of a rendered script, as python3 gets it. */
function snippet(script: string, name: string): string {
  const m = script.match(new RegExp(`^${name}='\\n([\\s\\S]*?)^'$`, "m"));
  if (!m) throw new Error(`no ${name} in the script`);
  return m[1];
}
const BUNDLE_PY = snippet(mirror, "BUNDLE_PY");
const UNBUNDLE_PY = snippet(bootstrap, "UNBUNDLE_PY");

function python(args: string[], input = ""): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("python3", args, { input, encoding: "utf8", env: ENV });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A minimal pure-Python wheel NAME-VERSION-py3-none-any.whl with a module and these Requires-Dist lines. */
function makeWheel(dir: string, name: string, version: string, requires: string[] = []): string {
  const dist = `${name.replace(/-/g, "_")}-${version}`;
  const metadata = ["Metadata-Version: 2.1", `Name: ${name}`, `Version: ${version}`, ...requires.map((r) => `Requires-Dist: ${r}`), ""].join("\n");
  const file = path.join(dir, `${dist}-py3-none-any.whl`);
  execFileSync("python3", ["-c", `
import sys, zipfile
dist, metadata, out, module = sys.argv[1:]
with zipfile.ZipFile(out, "w") as z:
    z.writestr(module + ".py", "VALUE = 1\\n")
    z.writestr(dist + ".dist-info/METADATA", metadata)
    z.writestr(dist + ".dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(dist + ".dist-info/RECORD", "")
`, dist, metadata, file, name.replace(/-/g, "_")], { env: ENV });
  return file;
}

/** A scratch directory with a small closure: top -> dep, plus a pip wheel (pip is bootstrapped apart). */
function closure(): { dir: string; wheels: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-bundle-"));
  mkdirSync(path.join(dir, "wheels"));
  const w = path.join(dir, "wheels");
  return { dir, wheels: [makeWheel(w, "top", "1.0", ["dep>=1"]), makeWheel(w, "dep", "2.0"), makeWheel(w, "pip", "26.2.1")] };
}

/** BUNDLE_PY plan: [path, status] of the bundle it built into OUT, given the auth repo's listing. */
function plan(out: string, wheels: string[], listing = ""): [string, string] {
  mkdirSync(out, { recursive: true });
  const r = python(["-c", BUNDLE_PY, "plan", out, PROJECT, TARGET, ...wheels], listing);
  if (r.status !== 0) throw new Error(r.stderr);
  const [file, status] = r.stdout.trim().split(" ");
  return [file, status];
}

function sha256(file: string): string {
  return execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0];
}

function versionOf(file: string): string {
  return path.basename(file).split("-")[1];
}

/** Rewrites a bundle: CHANGE (python, given `entries`: a dict name -> bytes) then, unless keepRecord, RECORD to match. */
function forge(src: string, dest: string, change: string, keepRecord = false): void {
  execFileSync("python3", ["-c", `
import base64, hashlib, sys, zipfile
src, dest, keep = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with zipfile.ZipFile(src) as z:
    entries = {n: z.read(n) for n in z.namelist()}
record = next(n for n in entries if n.endswith(".dist-info/RECORD"))
${change}
if not keep:
    entries[record] = ("".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\\n"
        for n, d in entries.items() if n != record) + record + ",,\\n").encode()
with zipfile.ZipFile(dest, "w") as z:
    for n, d in entries.items():
        z.writestr(n, d)
`, src, dest, keepRecord ? "1" : "0"], { env: ENV });
}

describe("the mirror's bundle of a target's closure", () => {
  it("is a valid wheel (METADATA, WHEEL, RECORD with every sha256) whose manifest pins every wheel of the closure", () => {
    const { dir, wheels } = closure();
    try {
      const [file, status] = plan(path.join(dir, "out"), wheels);
      expect(status).toBe("new");
      expect(path.basename(file)).toMatch(/^pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1\.\d+-py3-none-any\.whl$/);
      const inspected = JSON.parse(execFileSync("python3", [INSPECT, file], { encoding: "utf8", env: ENV }));
      expect(inspected.project).toBe(PROJECT);
      expect(inspected.requires_python).toBe("==3.11.*");
      expect(inspected.wheels).toEqual(Object.fromEntries(wheels.map((w) => [path.basename(w), sha256(w)])));
      const manifest = execFileSync("unzip", ["-p", file, "pip_airlock_bundle/requirements.txt"], { encoding: "utf8" });
      expect(manifest.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([
        `dep==2.0 --hash=sha256:${sha256(wheels[1])}`,
        `pip==26.2.1 --hash=sha256:${sha256(wheels[2])}`,
        `top==1.0 --hash=sha256:${sha256(wheels[0])}`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is byte-reproducible, and its version N.ID is deterministic for the same closure: a re-run uploads nothing new", () => {
    const { dir, wheels } = closure();
    try {
      const [first] = plan(path.join(dir, "a"), wheels);
      const [again] = plan(path.join(dir, "b"), [...wheels].reverse());
      expect(path.basename(again)).toBe(path.basename(first));
      expect(sha256(again)).toBe(sha256(first));
      // The auth repo holds it already (as the newest bundle): present, the same file.
      const listing = `${path.basename(first)} ${sha256(first)} https://h/files/x -\n`;
      const [rerun, status] = plan(path.join(dir, "c"), wheels, listing);
      expect([path.basename(rerun), status]).toEqual([path.basename(first), "present"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gets a version above every bundle the auth repo holds when its closure is not the newest one there", () => {
    const { dir, wheels } = closure();
    try {
      const [first] = plan(path.join(dir, "a"), wheels);
      const id = versionOf(first).split(".")[1];
      const other = makeWheel(path.join(dir, "wheels"), "dep", "3.0");
      const changed = [wheels[0], other, wheels[2]];
      // A new closure (dep 3.0) over bundle 1.ID: 2.ID2.
      const [next, status] = plan(path.join(dir, "b"), changed, `${path.basename(first)} ${sha256(first)} u -\n`);
      expect(status).toBe("new");
      expect(versionOf(next)).toMatch(/^2\.\d+$/);
      expect(versionOf(next)).not.toBe(`2.${id}`);
      // Back to the first closure while 2.ID2 is the newest: a new 3.ID (hosts take the highest N).
      const listing = [first, next].map((f) => `${path.basename(f)} ${sha256(f)} u -`).join("\n");
      const [back, status2] = plan(path.join(dir, "c"), wheels, listing);
      expect([versionOf(back), status2]).toEqual([`3.${id}`, "new"]);
      // The newest has our ID but other bytes (another mirror's build): not trusted as ours, a new version.
      const [rebuilt, status3] = plan(path.join(dir, "d"), wheels, `${path.basename(first)} ${"0".repeat(64)} u -\n`);
      expect([versionOf(rebuilt), status3]).toEqual([`2.${id}`, "new"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the bootstrap and a bundle", () => {
  /** UNBUNDLE_PY on FILE into DIR/un: the exit status, what it printed, and the files it wrote. */
  function unbundle(file: string, dir: string, project = PROJECT, version = versionOf(file)) {
    const dest = path.join(dir, "un");
    rmSync(dest, { recursive: true, force: true });
    const r = python(["-c", UNBUNDLE_PY, file, project, version, dest]);
    return { ...r, written: existsSync(dest) ? readdirSync(dest).sort() : [] };
  }

  it("unpacks a bundle it verifies, and pip installs it offline with every hash required", () => {
    const { dir, wheels } = closure();
    try {
      const [file] = plan(path.join(dir, "out"), wheels);
      const r = unbundle(file, dir);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe("pip-26.2.1-py3-none-any.whl");
      expect(r.written).toEqual(["install.txt", "requirements.txt", "wheels"]);
      // install.txt: the pins but pip's (bootstrapped from its wheel on its own).
      const install = readFileSync(path.join(dir, "un", "install.txt"), "utf8");
      expect(install).toBe(`dep==2.0 --hash=sha256:${sha256(wheels[1])}\ntop==1.0 --hash=sha256:${sha256(wheels[0])}\n`);
      const target = path.join(dir, "target");
      const pip = spawnSync("python3", ["-m", "pip", "install", "--no-index", "--find-links", path.join(dir, "un", "wheels"),
        "--require-hashes", "-r", path.join(dir, "un", "install.txt"), "--target", target, "--quiet", "--disable-pip-version-check"],
        { encoding: "utf8", env: { ...ENV, PIP_CONFIG_FILE: "/dev/null" } });
      expect(pip.stderr.replace(/^WARNING: Running pip as the 'root'.*\n?/m, "")).toBe("");
      expect(pip.status).toBe(0);
      expect(readdirSync(target).filter((f) => f.endsWith(".py")).sort()).toEqual(["dep.py", "top.py"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const forgeries: [string, string, boolean, RegExp][] = [
    ["an inner wheel replaced, RECORD rewritten to match", 'entries[next(n for n in entries if n.endswith("/dep-2.0-py3-none-any.whl"))] += b"x"', false,
      /dep-2\.0-py3-none-any\.whl: its sha256 is not the one the manifest pins/],
    ["an entry changed, RECORD left as it was", 'entries[next(n for n in entries if n.endswith("/dep-2.0-py3-none-any.whl"))] += b"x"', true,
      /does not match its RECORD entry/],
    ["an entry RECORD does not list", 'entries["pip_airlock_bundle/wheels/evil-1.0-py3-none-any.whl"] = b"x"', true, /is not in RECORD/],
    ["a path outside the payload", 'entries["../../etc/cron.d/evil"] = b"x"', false, /unexpected entry \.\.\/\.\.\/etc\/cron\.d\/evil/],
    ["a wheel the manifest does not pin", 'entries["pip_airlock_bundle/wheels/evil-1.0-py3-none-any.whl"] = b"x"', false,
      /evil-1\.0-py3-none-any\.whl is not exactly one wheel the manifest pins/],
    ["a pin without its wheel", 'del entries[next(n for n in entries if n.endswith("/dep-2.0-py3-none-any.whl"))]', false,
      /the manifest pins wheels the bundle lacks: \[\('dep', '2\.0'\)\]/],
    ["a manifest line that is no hash pin", 'entries["pip_airlock_bundle/requirements.txt"] += b"evil @ https://e/evil.whl\\n"', false,
      /a manifest line is not one NAME==VERSION --hash=sha256:HEX pin: evil @/],
  ];
  it.each(forgeries)("refuses a bundle with %s, and writes nothing", (_what, change, keepRecord, why) => {
    const { dir, wheels } = closure();
    try {
      const [file] = plan(path.join(dir, "out"), wheels);
      const forged = path.join(dir, path.basename(file));
      forge(file, forged, change, keepRecord);
      const r = unbundle(forged, dir);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(why);
      expect(r.written).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses another target's bundle served as its own, and a file that is no zip", () => {
    const { dir, wheels } = closure();
    try {
      const [file] = plan(path.join(dir, "out"), wheels);
      const other = "pip-airlock-bundle-py3-11-2-x86-64-glibc2-34";
      const renamed = path.join(dir, path.basename(file).replace("glibc2_36", "glibc2_34"));
      forge(file, renamed, `
for n in list(entries):
    if ".dist-info/" in n:
        entries[n.replace("glibc2_36", "glibc2_34")] = entries.pop(n)
record = record.replace("glibc2_36", "glibc2_34")`);
      expect(unbundle(renamed, dir, other).stderr).toMatch(new RegExp(`its METADATA names ${PROJECT} \\S+, not ${other}`));
      const junk = path.join(dir, "junk.whl");
      execFileSync("sh", ["-c", `printf 'not a zip' >${junk}`]);
      expect(unbundle(junk, dir, PROJECT, "1.1").stderr).toMatch(/bundle refused: not a zip file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fetches it again on a sha256 mismatch (retried), and fails for good when it cannot verify it", () => {
    const { dir, wheels } = closure();
    try {
      const [file] = plan(path.join(dir, "out"), wheels);
      const forged = path.join(dir, "forged.whl");
      forge(file, forged, 'entries[next(n for n in entries if n.endswith("/dep-2.0-py3-none-any.whl"))] += b"x"');
      const run = (served: string, sha: string) =>
        withFunctions(bootstrap, `
          date() { printf 'T'; }
          ar_get() { cp "${served}" "$2"; }
          WORK_DIR=$(mktemp -d)
          BUNDLE_PROJECT=${PROJECT} BUNDLE_FILE=${path.basename(file)} BUNDLE_VERSION=${versionOf(file)} BUNDLE_URL=u BUNDLE_SHA256=${sha}
          fetch_bundle 2>&1; echo "rc=$? pip=$PIP_WHEEL_PATH left=$(ls "$WORK_DIR" | tr '\\n' ' ')"; rm -rf "$WORK_DIR"
        `);
      expect(run(file, sha256(file))).toMatch(/rc=0 pip=\S+\/bundle\/wheels\/pip-26\.2\.1-py3-none-any\.whl left=bundle $/m);
      const damaged = run(file, "0".repeat(64));
      expect(damaged).toContain("sha256 mismatch for");
      expect(damaged).toMatch(/rc=1 pip= left=$/m);
      // The index's sha256 is the forged file's: the transfer is fine, the content is not.
      const refused = run(forged, sha256(forged));
      expect(refused).toContain("fails verification: nothing is installed from it");
      expect(refused).toMatch(/rc=100 pip= left=$/m);
      expect(run(file, "-")).toMatch(/gives no sha256 for \S+: it cannot be verified[\s\S]*rc=100/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("picks the newest bundle (the highest N of N.ID)", () => {
    const files = ["1.4000000000", "10.3", "2.99"].map((v) => `pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-${v}-py3-none-any.whl`);
    const listing = files.map((f, i) => `${f} sha${i} https://h/files/${f} ==3.11.*`).join("\n") + "\npip-26.2.1-py3-none-any.whl s u >=3.9\n";
    const out = withFunctions(bootstrap, `printf '%s\\n' "$LISTING" | python3 -c "$PICK_PIP_PY" 3.11.2 ${PROJECT}; echo "rc=$?"
      printf '%s\\n' "$LISTING" | python3 -c "$PICK_PIP_PY" 3.12.3 ${PROJECT}; echo "rc=$?"`, { LISTING: listing });
    expect(out).toBe(`${files[1]} sha1 https://h/files/${files[1]}\nrc=0\nrc=1\n`);
  });
});

describe("where the helpers come from", () => {
  /**
   * helpers_served with a stubbed auth repo: SERVED lists the projects it holds (with `bundleLate`, the
   * bundle only from its second listing on: the mirror uploaded it during the poll). Prints each listing asked for.
   */
  function poll(served: string[], bundleProject: string, bundleLate = false): string {
    return withFunctions(bootstrap, `
      date() { printf 'T'; }
      fetch_token() { :; }
      list_auth_repo() {
        echo "listing $*" >&2
        local p
        for p in "$@"; do
          if [[ $p == pip-airlock-bundle-* && -n $BUNDLE_LATE && ! -e $WORK_DIR/bundle-listed ]]; then
            touch "$WORK_DIR/bundle-listed"
            continue
          fi
          case " $SERVED " in *" $p "*)
            case $p in
              pip-airlock-bundle-*) echo "\${p//-/_}-1.5-py3-none-any.whl abc https://h/files/b ==3.11.*" ;;
              pip) echo "pip-26.2.1-py3-none-any.whl def https://h/files/pip-26.2.1-py3-none-any.whl >=3.9" ;;
              *) echo "\${p//-/_}-1.0-py3-none-any.whl 0 u -" ;;
            esac ;;
          esac
        done
      }
      WORK_DIR=$(mktemp -d); HOST_PYTHON=3.11.2; BUNDLE_PROJECT=${bundleProject}
      REQUIRED_PROJECTS=(keyring keyrings-google-artifactregistry-auth pip virtualenv)
      helpers_served 2>&1; echo "rc=$? source=$HELPERS_SOURCE bundle=$BUNDLE_FILE version=$BUNDLE_VERSION pip=$PIP_WHEEL_FILE"
      rm -rf "$WORK_DIR"
    `, { SERVED: served.join(" "), BUNDLE_LATE: bundleLate ? "1" : "" });
  }
  const helpers = ["keyring", "keyrings-google-artifactregistry-auth", "pip", "virtualenv"];

  it("takes the bundle of its target when the auth repo serves it: one page", () => {
    const out = poll([PROJECT, ...helpers], PROJECT);
    expect(out.match(/^listing .*/gm)).toEqual([`listing ${PROJECT}`]);
    expect(out).toContain(`rc=0 source=bundle bundle=pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1.5-py3-none-any.whl version=1.5 pip=\n`);
  });

  it("without a bundle (an older mirror's auth repo), the helpers' own pages: ready through the index", () => {
    const out = poll(helpers, PROJECT);
    expect(out.match(/^listing .*/gm)).toEqual([
      `listing ${PROJECT}`, "listing keyring", "listing keyrings-google-artifactregistry-auth pip virtualenv", `listing ${PROJECT}`,
    ]);
    expect(out).toContain("rc=0 source=index bundle= version= pip=pip-26.2.1-py3-none-any.whl");
  });

  it("takes the bundle the mirror uploaded while the poll read the helpers' pages (it uploads the bundle before them)", () => {
    const out = poll([PROJECT, ...helpers], PROJECT, true);
    expect(out.match(/^listing .*/gm)).toEqual([
      `listing ${PROJECT}`, "listing keyring", "listing keyrings-google-artifactregistry-auth pip virtualenv", `listing ${PROJECT}`,
    ]);
    expect(out).toContain("rc=0 source=bundle bundle=pip_airlock_bundle_py3_11_2_x86_64_glibc2_36-1.5-py3-none-any.whl version=1.5 pip=\n");
  });

  it("while the mirror has not filled the auth repo, two pages a poll (its bundle, the first package)", () => {
    const out = poll(["cffi"], PROJECT);
    expect(out.match(/^listing .*/gm)).toEqual([`listing ${PROJECT}`, "listing keyring"]);
    expect(out).toContain("the auth repo does not serve keyring keyrings-google-artifactregistry-auth pip virtualenv yet");
    expect(out).toContain("rc=1 source=");
  });

  it("in remote mode (no target, so no bundle), the index only", () => {
    const out = poll([PROJECT, ...helpers], "");
    expect(out.match(/^listing .*/gm)).toEqual(["listing keyring", "listing keyrings-google-artifactregistry-auth pip virtualenv"]);
    expect(out).toContain("rc=0 source=index");
  });

  it("names a target's bundle alike in both scripts, and takes the target with the newest glibc it can run", () => {
    for (const target of ["3.11.2:x86_64:2.36", "3.13.5:aarch64:2.41", "3.9.21:x86_64:2.34"]) {
      const names = [mirror, bootstrap].map((s) => withFunctions(s, `bundle_project '${target}'`).trim());
      expect(names[0]).toBe(names[1]);
      expect(names[0]).toMatch(/^pip-airlock-bundle-py[0-9-]+-(x86-64|aarch64)-glibc2-\d+$/);
    }
    const out = withFunctions(bootstrap, `date() { printf 'T'; }; uname() { echo x86_64; }; python3() { echo 2.36; }
      MIRRORED_TARGETS=(3.11.2:x86_64:2.28 3.11.2:x86_64:2.36 3.11.2:x86_64:2.39 3.13.5:x86_64:2.36)
      HOST_PYTHON=3.11.2; check_mirrored_target; echo "target=$HOST_TARGET bundle=$BUNDLE_PROJECT"`);
    expect(out).toContain(`target=3.11.2:x86_64:2.36 bundle=${PROJECT}`);
  });
});

describe("the mirror's uploads", () => {
  it("sends the dependencies, then pip and the venv tool, then each target's bundle, then the requested packages; a re-run sends nothing", () => {
    const { dir } = closure();
    try {
      const w = path.join(dir, "wheels");
      const files = {
        dep: makeWheel(w, "jaraco-context", "6.0"), cffi: makeWheel(w, "cffi", "2.1.1"), pip: readdirSync(w).find((f) => f.startsWith("pip-"))!,
        venv: makeWheel(w, "virtualenv", "21.0"), keyring: makeWheel(w, "keyring", "25.7.0"), plugin: makeWheel(w, "keyrings.google_artifactregistry_auth", "1.1.2"),
      };
      const p = (f: string) => (path.isAbsolute(f) ? f : path.join(w, f));
      const out = withFunctions(mirror, `
        date() { printf 'T'; }
        fetch_token() { :; }
        UP=${dir}/up; mkdir -p "$UP"
        twine_upload() { local f a="$*"; echo "twine: \${a##*--repository-url }" | sed 's|${w}/||g; s|${dir}/work/bundles/||g'; for f in "$@"; do [[ -f $f ]] && cp "$f" "$UP/"; done; return 0; }
        list_auth_repo() { local f; for f in "$UP"/*; do [[ -f $f ]] && echo "\${f##*/} $(sha256sum "$f" | cut -d' ' -f1) u -"; done; return 0; }
        WORK_DIR=${dir}/work; mkdir -p "$WORK_DIR/bundles"
        declare -A LOCAL_SHA=() UPLOADED=()
        UPLOAD_FIRST=(${p(files.cffi)} ${p(files.dep)} ${p(files.pip)} ${p(files.venv)})
        UPLOAD_LAST=(${p(files.keyring)} ${p(files.plugin)})
        for f in "\${UPLOAD_FIRST[@]}" "\${UPLOAD_LAST[@]}"; do LOCAL_SHA[\${f##*/}]=$(sha256sum "$f" | cut -d' ' -f1); done
        PROJECTS=(cffi jaraco-context pip virtualenv keyring keyrings-google-artifactregistry-auth)
        MIRRORED_TARGETS=(3.11.2:x86_64:2.36 3.13.5:x86_64:2.41)
        BUNDLE_PROJECTS=($(bundle_project 3.11.2:x86_64:2.36) $(bundle_project 3.13.5:x86_64:2.41))
        TARGET_WHEELS=("\${UPLOAD_FIRST[*]} \${UPLOAD_LAST[*]}" "\${UPLOAD_FIRST[*]:0:2} \${UPLOAD_LAST[*]}")
        sync_auth_repo; echo "rc=$? uploaded=\${#UPLOADED[@]}"
        UPLOADED=(); sync_auth_repo; echo "rc=$? uploaded=\${#UPLOADED[@]}"
      `);
      const twine = out.split("\n").filter((l) => l.startsWith("twine: "));
      expect(twine).toHaveLength(1);
      const sent = twine[0].split(" ").slice(2);
      expect(sent.map((f) => f.split("-")[0])).toEqual([
        "cffi", "jaraco_context", "pip", "virtualenv",
        "pip_airlock_bundle_py3_11_2_x86_64_glibc2_36", "pip_airlock_bundle_py3_13_5_x86_64_glibc2_41",
        "keyring", "keyrings.google_artifactregistry_auth",
      ]);
      expect(out).toContain("rc=0 uploaded=8\n");
      expect(out).toContain("rc=0 uploaded=0\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
