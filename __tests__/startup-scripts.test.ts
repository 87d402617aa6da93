// Unit tests of the rendered startup scripts (assets/*.sh.mustache). The end-to-end proof that they
// work (real pip, twine and keyring in a simulated air gap) is e2e/run.sh; these are the fast checks:
// rendering, quoting, shell lint, token hygiene, and the scripts' own helper functions run in bash.
import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadConfig } from "../config/load";
import { BOOTSTRAP_SCRIPT_NAME, renderBootstrapScript, renderMirrorScript, StartupScript } from "../startup-script/scripts";
import { scriptSettings, ScriptSettings } from "../startup-script/settings";
import { BootstrapScriptView, MirrorScriptView } from "../startup-script/views";
import { loadTemplates } from "../startup-script/templates";
import { ASSETS, buildStack, EXAMPLE_CONFIG } from "./support";
import { ENV, withFunctions } from "./script-support";

const TEMPLATES = loadTemplates(ASSETS);
const HOST = "us-central1-python.pkg.dev";

/**
 * The scripts as the synth renders them: the example config plus a Debian 13 target (two targets, two
 * CPythons), through the real loader, stack and views.
 */
function renderedScripts(): { mirror: StartupScript<MirrorScriptView>; bootstrap: StartupScript<BootstrapScriptView> } {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-scripts-"));
  const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  writeFileSync(path.join(dir, "c.json"), JSON.stringify({ ...example, mirror: { ...example.mirror, targets: ["debian-cloud/debian-13"] } }));
  const { stack } = buildStack(loadConfig(path.join(dir, "c.json"))[0].config);
  rmSync(dir, { recursive: true, force: true });
  const named = (name: string) => stack.startupScripts.find((s) => s.name === name)!;
  return { mirror: named("public-host-mirror") as StartupScript<MirrorScriptView>, bootstrap: named(BOOTSTRAP_SCRIPT_NAME) as StartupScript<BootstrapScriptView> };
}
const rendered = renderedScripts();
const mirrorView = rendered.mirror.view;
const bootstrapView = rendered.bootstrap.view;
const mirror = rendered.mirror.text;
const bootstrap = rendered.bootstrap.text;
const scripts: [string, string][] = [
  ["mirror", mirror],
  ["bootstrap", bootstrap],
];

/** What bash holds in each setting's variable once the script's top level has run: one list of words each. */
function assignedValues(script: string, names: string[]): Record<string, string[]> {
  const out = withFunctions(script, names.map((n) => `for w in "\${${n}[@]}"; do printf '%s\\0' "$w"; done; printf '\\1\\0'`).join("\n"));
  const words = out.split("\0").slice(0, -1);
  const values: Record<string, string[]> = {};
  for (const name of names) {
    const end = words.indexOf("\x01");
    values[name] = words.splice(0, end + 1).slice(0, -1);
  }
  return values;
}

/** A setting's value as the words bash holds (an array's items, or the one word of a scalar). */
function asWords(value: ScriptSettings[string]): string[] {
  return Array.isArray(value) ? [...value] : [String(value)];
}

function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

/** A python3 on PATH with pip importable (the mirror's `pip download` runs on one). */
function pythonWithPip(): string {
  for (const python of ["python3", "/usr/bin/python3"]) {
    if (spawnSync(python, ["-c", "import pip"], { env: ENV }).status === 0) return python;
  }
  throw new Error("no python3 with pip on PATH: the test runs pip download offline against wheels it makes");
}

/** Writes a minimal pure-Python wheel NAME-VERSION-py3-none-any.whl with these Requires-Dist lines into dir. */
function makeWheel(dir: string, name: string, version: string, requires: string[]): void {
  const dist = `${name.replace(/-/g, "_")}-${version}`;
  const metadata = ["Metadata-Version: 2.1", `Name: ${name}`, `Version: ${version}`, ...requires.map((r) => `Requires-Dist: ${r}`), ""].join("\n");
  execFileSync("python3", ["-c", `
import sys, zipfile
dist, metadata, out = sys.argv[1:]
with zipfile.ZipFile(out, "w") as z:
    z.writestr(dist + ".dist-info/METADATA", metadata)
    z.writestr(dist + ".dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(dist + ".dist-info/RECORD", "")
`, dist, metadata, path.join(dir, `${dist}-py3-none-any.whl`)], { env: ENV });
}

describe.each(scripts)("%s script", (_name, script) => {
  it("is a strict bash script with every tag rendered", () => {
    expect(script.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(script).toContain("\nset -euo pipefail\n");
    expect(script).not.toMatch(/\{\{|\}\}/);
    expect(script).not.toMatch(/^\s*set\s+-[a-z]*x/m);
  });

  it("parses with bash -n", () => {
    expect(spawnSync("bash", ["--norc", "-n"], { input: script, env: ENV }).status).toBe(0);
  });

  it("is shellcheck-clean when rendered", () => {
    if (!hasTool("shellcheck")) throw new Error("shellcheck is not installed: apt-get install shellcheck (the unit tests lint every rendered script)");
    const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: script, encoding: "utf8" });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });

  it("never puts the token on a command line, in a file or in the log", () => {
    // Every use of $TOKEN must be one of: reading it, testing it, piping it into `curl -K -` with the
    // builtin printf, or the environment of exactly one child process.
    const allowed = [
      /^\s*TOKEN=\$\(printf '%s' "\$json" \| python3 -c .*\) \|\| return 1$/,
      /^\s*\[\[ -n \$TOKEN \]\] \|\| return 1$/,
      /^\s*TOKEN=$/,
      /^\s*AIRLOCK_TOKEN=\$TOKEN python3 -c "\$LIST_INDEX_PY" /,
      /^\s*TWINE_USERNAME=oauth2accesstoken TWINE_PASSWORD=\$TOKEN TWINE_NON_INTERACTIVE=1 \\$/,
      /^\s*PIP_INDEX_URL="https:\/\/oauth2accesstoken:\$\{TOKEN\}@\$\{AUTH_REPO_INDEX_URL#https:\/\/\}" \\$/,
      /^\s*printf 'user = "oauth2accesstoken:%s"\\n' "\$TOKEN" \|$/,
    ];
    const uses = script.split("\n").filter((l) => /\$\{?TOKEN\b|^\s*TOKEN=/.test(l));
    expect(uses.length).toBeGreaterThan(2);
    for (const line of uses) {
      expect(allowed.some((re) => re.test(line)) ? "allowed" : line).toBe("allowed");
    }
    // A printf of the token always feeds curl's config from stdin, on the next line.
    const lines = script.split("\n");
    lines.forEach((l, i) => {
      if (/printf .*"\$TOKEN"/.test(l)) expect(lines[i + 1]).toMatch(/^\s*curl -K - /);
    });
  });
});

describe("settings", () => {
  it.each(scripts)("%s: the settings it publishes as data are exactly what the script assigns", (name, script) => {
    const settings = scriptSettings(name === "mirror" ? mirrorView : bootstrapView);
    const values = assignedValues(script, Object.keys(settings));
    for (const [key, value] of Object.entries(settings)) expect([key, values[key]]).toEqual([key, asWords(value)]);
  });

  const hostile = ["a'b", "$(touch /tmp/pwned)", "`id`", "x\ny", "*", "-rf /", ""];
  const cases: [string, string, string, string][] = [
    ["mirror", renderMirrorScript(TEMPLATES, { ...mirrorView, packages: hostile, lock_content: "a==1 \\\n'q'\n$HOME" }), "LOCK_CONTENT", "a==1 \\\n'q'\n$HOME"],
    ["bootstrap", renderBootstrapScript(TEMPLATES, { ...bootstrapView, packages: hostile, venv_dir: "/opt/$(x) y" }), "VENV_DIR", "/opt/$(x) y"],
  ];
  it.each(cases)("%s: are single shell words, whatever the config says", (_name, script, variable, value) => {
    expect(assignedValues(script, ["PACKAGES", variable])).toEqual({ PACKAGES: hostile, [variable]: [value] });
  });
});

describe("mirror helpers", () => {
  it("retries with exponential backoff capped at max_backoff_seconds, up to max_attempts", () => {
    const out = withFunctions(mirror, `
      sleep() { printf 'sleep %s\\n' "$1"; }
      date() { printf 'T'; }
      guest_attr() { :; }
      MAX_ATTEMPTS=8 MAX_BACKOFF_SECONDS=5
      n=0; flaky() { n=$((n + 1)); return 1; }
      retry "flaky" flaky; echo "rc=$? calls=$n"
      n=0; permanent() { n=$((n + 1)); return 100; }
      retry "permanent" permanent; echo "rc=$? calls=$n"
      n=0; third() { n=$((n + 1)); ((n >= 3)); }
      retry "third" third; echo "rc=$? calls=$n"
    `);
    // Each wait is jittered: between half the backoff delay and the delay (1, 2, 4, then the cap of 5).
    const sleeps = out.split("\n").filter((l) => l.startsWith("sleep ")).map((l) => Number(l.slice(6)));
    [1, 2, 4, 5, 5, 5, 5].forEach((delay, i) => {
      expect(sleeps[i]).toBeGreaterThanOrEqual(delay / 2);
      expect(sleeps[i]).toBeLessThanOrEqual(delay);
    });
    expect(out).toContain("rc=1 calls=8");
    expect(out).toContain("rc=1 calls=1");
    expect(out).toContain("rc=0 calls=3");
  });

  it("normalizes project names of wheels and requirements (PEP 503)", () => {
    const out = withFunctions(mirror, `
      for f in keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl /x/jaraco.classes-3.2.1-py3-none-any.whl \\
        Foo__Bar-1-cp311-cp311-manylinux_2_17_x86_64.whl; do wheel_project "$f"; done
      for r in 'keyrings.google-artifactregistry-auth' 'pip>=23.1' 'Foo_Bar[x]>=1' 'a._b ; python_version<"3"' 'x @ https://e/x.whl'; do
        requirement_project "$r"; done
    `);
    expect(out.trim().split("\n")).toEqual([
      "keyrings-google-artifactregistry-auth", "jaraco-classes", "foo-bar",
      "keyrings-google-artifactregistry-auth", "pip", "foo-bar", "a-b", "x",
    ]);
  });

  it("downloads per target, each with its own CPython and platform tags, never the cross product", () => {
    const out = withFunctions(mirror, `
      date() { printf 'T'; }
      timeout() { shift 3; "$@"; }
      python3() { shift 2; echo "pip-run $*"; }
      WORK_DIR=$(mktemp -d)
      download_all
    `);
    const runs = out.split("\n").filter((l) => l.startsWith("pip-run "));
    expect(mirrorView.targets).toHaveLength(2);
    expect(runs).toHaveLength(2);
    mirrorView.targets.forEach((target, i) => {
      const [python, arch, tags] = target.split(":");
      const platforms = tags.split(",").map((tag) => `--platform ${tag}`).join(" ");
      expect(runs[i]).toContain(`pip-run ${python} ${arch} download `);
      expect(runs[i]).toContain(`--python-version ${python} ${platforms} keyring `);
    });
    const [debian12, debian13] = runs;
    expect(debian12).toContain("--python-version 3.11.2 ");
    expect(debian13).toContain("--python-version 3.13.5 --platform manylinux_2_41_x86_64 ");
    expect(debian12).not.toContain("manylinux_2_41");
  });

  it("runs pip download with the target's environment markers, not this host's (pypa/pip#11010)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-test-"));
    try {
      const python = pythonWithPip();
      const code = withFunctions(mirror, 'printf "%s" "$TARGET_PIP_PY"');
      // A top-level project whose dependencies depend on the Python version, as keyring's and virtualenv's do.
      makeWheel(dir, "top", "1.0", ['old-dep; python_version < "3.10"', 'mid-dep; python_version < "3.12"', 'new-dep; python_version >= "3.13"', 'arm-dep; platform_machine == "aarch64"']);
      for (const dep of ["old-dep", "mid-dep", "new-dep", "arm-dep"]) makeWheel(dir, dep, "1.0", []);
      const fetched = (target: string, machine: string) => {
        const dest = path.join(dir, `out-${target}-${machine}`);
        execFileSync(python, ["-c", code, target, machine, "download", "--no-index", "--find-links", dir, "--dest", dest, "--only-binary=:all:",
          "--implementation", "cp", "--python-version", target, "--platform", "manylinux2014_x86_64", "--platform", "manylinux2014_aarch64", "top"],
          { env: { ...ENV, PIP_CONFIG_FILE: "/dev/null" }, stdio: "pipe" });
        return execFileSync("ls", [dest], { encoding: "utf8" }).trim().split("\n").map((f) => f.split("-")[0]);
      };
      expect(fetched("3.9.21", "x86_64")).toEqual(["mid_dep", "old_dep", "top"]);
      expect(fetched("3.11.2", "x86_64")).toEqual(["mid_dep", "top"]);
      expect(fetched("3.13.5", "x86_64")).toEqual(["new_dep", "top"]);
      expect(fetched("3.13.5", "aarch64")).toEqual(["arm_dep", "new_dep", "top"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports failure with the step, and exits non-zero", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-test-"));
    try {
      // No metadata server: curl is stubbed to fail, guest attributes are recorded in a file.
      const lib = mirror.replace(/\nmain "\$@"\n$/, "\n");
      const r = spawnSync("bash", ["--norc", "-c", `
        curl() { if [[ " $* " == *" -X PUT "* ]]; then printf '%s=%s\\n' "\${@: -1}" "$(cat)" >>"${dir}/attrs"; return 0; fi; return 7; }
        sleep() { :; }
        ${lib}
        ensure_tools() { :; }
        MAX_ATTEMPTS=2
        GUEST_ATTR_TIMES="${dir}/times"
        main`], { encoding: "utf8", env: ENV });
      expect(r.status).not.toBe(0);
      expect(r.stdout).toContain("FAILED at step token");
      const attrs = readFileSync(path.join(dir, "attrs"), "utf8");
      expect(attrs).toContain("/guest-attributes/pip-airlock/status=running");
      expect(attrs).toContain("/guest-attributes/pip-airlock/failed-step=token");
      expect(attrs.trim().split("\n").pop()).toBe(
        "http://metadata.google.internal/computeMetadata/v1/instance/guest-attributes/pip-airlock/status=failed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("guest attributes", () => {
  it("paces writes within GCE's limits: at least 1 s apart, at most 8 in any minute, counted across boots", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-test-"));
    try {
      const out = withFunctions(mirror, `
        GUEST_ATTR_TIMES="${dir}/times"
        date() { echo 100000000; }
        sleep() { echo "sleep $1"; }
        echo 99999500 >"$GUEST_ATTR_TIMES"; guest_attr_pace
        seq 99950000 1000 99957000 >"$GUEST_ATTR_TIMES"; guest_attr_pace
        seq 1 8 >"$GUEST_ATTR_TIMES"; guest_attr_pace
        echo "kept $(wc -l <"$GUEST_ATTR_TIMES")"
      `);
      // 0.5 s after the last write; then 8 writes in the last minute, the oldest 50 s ago; then only
      // writes older than a minute (no wait, and they are forgotten).
      expect(out.trim().split("\n")).toEqual(["sleep 0.500", "sleep 10.000", "kept 1"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("publishes only the outcome: progress steps go to the serial log", () => {
    for (const script of [mirror, bootstrap]) {
      expect(script).not.toMatch(/guest_attr step /);
      expect(script.match(/^step\(\) \{\n(.*\n){3}/m)?.[0]).not.toContain("guest_attr");
    }
  });
});

describe("bootstrap helpers", () => {
  it("writes a file only when its content or mode differs, keeping a foreign one once", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "airlock-test-"));
    try {
      const f = path.join(dir, "etc", "pip.conf");
      const out = withFunctions(bootstrap, `
        date() { printf 'T'; }
        mkdir -p "${dir}/etc"; printf '[global]\\ncert = /x\\n' >"${f}"
        c="$CONFIG_HEADER"$'\\n[global]\\nindex-url = https://oauth2accesstoken@h/simple/\\n'
        write_if_changed "${f}" 644 "$c"; echo "changes=$CHANGES"
        write_if_changed "${f}" 644 "$c"; echo "changes=$CHANGES"
        chmod 600 "${f}"
        write_if_changed "${f}" 644 "$c"; echo "changes=$CHANGES"
        write_if_changed "${f}" 644 "$c"x; echo "changes=$CHANGES"
      `);
      expect(out).toMatch(/kept the previous .*pip\.conf as .*pip\.conf\.pip-airlock-orig/);
      expect(out.match(/changes=\d+/g)).toEqual(["changes=1", "changes=1", "changes=2", "changes=3"]);
      expect(out).toContain("unchanged: ");
      expect(readFileSync(`${f}.pip-airlock-orig`, "utf8")).toBe("[global]\ncert = /x\n");
      expect(readFileSync(f, "utf8").endsWith("simple/\nx")).toBe(true);
      expect((statSync(f).mode & 0o777).toString(8)).toBe("644");
      expect(existsSync(path.join(dir, "etc")) && execFileSync("ls", [path.join(dir, "etc")], { encoding: "utf8", env: ENV }).trim().split("\n"))
        .toEqual(["pip.conf", "pip.conf.pip-airlock-orig"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("configures pip, uv and twine for the index with the oauth2accesstoken user", () => {
    expect(bootstrap).toContain("index-url = ${INDEX_URL}\nkeyring-provider = subprocess\n");
    expect(bootstrap).toContain('keyring-provider = \\"subprocess\\"');
    expect(bootstrap).toMatch(/write_if_changed \/etc\/uv\/uv\.toml 644/);
    expect(bootstrap).toMatch(/write_if_changed \/root\/\.pypirc 600/);
    expect(bootstrap).toMatch(/write_if_changed \/etc\/skel\/\.pypirc 644/);
    expect(bootstrap).toContain("INDEX_URL='https://oauth2accesstoken@us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/simple/'");
  });

  it("refuses an index URL without the oauth2accesstoken user (pip would never ask keyring)", () => {
    const script = renderBootstrapScript(TEMPLATES, { ...bootstrapView, index_url: `https://${HOST}/p/r/simple/` });
    const out = withFunctions(script, `date() { printf 'T'; }; validate_settings; echo "rc=$?"`);
    expect(out).toContain("must start with https://oauth2accesstoken@");
    expect(out).toContain("rc=1");
  });

  it("probes a per-project page, never the root listing AR does not serve; 200/404 pass, 401/403 fail", () => {
    const out = withFunctions(bootstrap, `
      date() { printf 'T'; }
      KEYRING_LINK=echo
      curl() { cat >/dev/null; echo "url \${@: -1}" >&2; printf '%s' "$CODE"; }
      for CODE in 200 404 401 403; do AR_REJECTED=0; probe_index 2>&1; echo "code=$CODE rc=$? rejected=$AR_REJECTED"; done
    `);
    expect(out).toContain("url https://us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/simple/keyring/");
    expect(out).not.toMatch(/url \S*\/simple\/$/m);
    // A rejection is remembered: a configured host then reports failed, not ready-stale.
    expect(out.match(/code=\d+ rc=\d rejected=\d/g)).toEqual([
      "code=200 rc=0 rejected=0", "code=404 rc=0 rejected=0", "code=401 rc=1 rejected=1", "code=403 rc=1 rejected=1"]);
  });

  it("bootstraps the newest pip wheel whose Requires-Python admits the host's CPython (a 3.9 host served 26.0 and 26.2 takes 26.0)", () => {
    const listing = [
      "pip-26.2.1-py3-none-any.whl abc https://h/p/pip-26.2.1-py3-none-any.whl >=3.10",
      "pip-26.0.1-py3-none-any.whl def https://h/p/pip-26.0.1-py3-none-any.whl >=3.9",
      "pip-26.3b1-py3-none-any.whl 000 https://h/p/pip-26.3b1-py3-none-any.whl >=3.9",
      "pip-23.0.1-py3-none-any.whl 111 https://h/p/pip-23.0.1-py3-none-any.whl >=3.7",
      "pip-26.1.tar.gz 222 https://h/p/pip-26.1.tar.gz >=3.9",
      "pipx-9.9-py3-none-any.whl 333 https://h/p/pipx-9.9-py3-none-any.whl -",
      "keyring-25.7.0-py3-none-any.whl 444 https://h/p/keyring-25.7.0-py3-none-any.whl >=3.9",
    ].join("\n");
    const pick = (python: string, lines = listing) =>
      withFunctions(bootstrap, `printf '%s\\n' "$LISTING" | python3 -c "$PICK_PIP_PY" ${python}; echo "rc=$?"`, { LISTING: lines }).trim();
    expect(pick("3.9.21")).toBe("pip-26.0.1-py3-none-any.whl def https://h/p/pip-26.0.1-py3-none-any.whl\nrc=0");
    expect(pick("3.11.2")).toBe("pip-26.2.1-py3-none-any.whl abc https://h/p/pip-26.2.1-py3-none-any.whl\nrc=0");
    expect(pick("3.8.10")).toBe("pip-23.0.1-py3-none-any.whl 111 https://h/p/pip-23.0.1-py3-none-any.whl\nrc=0");
    expect(pick("3.6.8")).toBe("rc=1");
    // No Requires-Python given admits every Python; exclusions and compatible releases are honoured.
    expect(pick("3.9.1", "pip-25.0-py3-none-any.whl a u -\npip-26.0-py3-none-any.whl b v >=3.9,!=3.9.0,!=3.9.1")).toBe("pip-25.0-py3-none-any.whl a u\nrc=0");
    expect(pick("3.9.2", "pip-25.0-py3-none-any.whl a u -\npip-26.0-py3-none-any.whl b v >=3.9,!=3.9.0,!=3.9.1")).toBe("pip-26.0-py3-none-any.whl b v\nrc=0");
    expect(pick("3.12.3", "pip-24.0-py3-none-any.whl a u ~=3.11\npip-25.0-py3-none-any.whl b v ==3.11.*")).toBe("pip-24.0-py3-none-any.whl a u\nrc=0");
  });

  it("waits for a pip wheel this host can run, and says so", () => {
    const out = withFunctions(bootstrap, `
      date() { printf 'T'; }
      fetch_token() { :; }
      list_auth_repo() { printf '%s\\n' 'keyring-25.7.0-py3-none-any.whl a u >=3.9' 'keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl b u -' \\
        'virtualenv-21.14.1-py3-none-any.whl c u >=3.9' 'pip-26.2.1-py3-none-any.whl d u >=3.10'; }
      WORK_DIR=$(mktemp -d); REQUIRED_PROJECTS=(keyring keyrings-google-artifactregistry-auth pip virtualenv)
      HOST_PYTHON=3.9.21; helpers_served; echo "rc=$?"
      HOST_PYTHON=3.11.2; helpers_served; echo "rc=$? file=$PIP_WHEEL_FILE sha=$PIP_WHEEL_SHA256"
      rm -rf "$WORK_DIR"
    `);
    expect(out).toContain("serves no pip wheel whose Requires-Python admits CPython 3.9.21 yet");
    expect(out).toMatch(/rc=1\n/);
    expect(out).toContain("rc=0 file=pip-26.2.1-py3-none-any.whl sha=d");
  });

  it("tells a host that is none of the mirror's targets why its install may fail", () => {
    const run = (python: string, glibc: string, arch: string) =>
      withFunctions(bootstrap, `
        date() { printf 'T'; }
        uname() { echo ${arch}; }
        python3() { echo ${glibc}; }
        HOST_PYTHON=${python}; check_mirrored_target; echo "rc=$?"
      `);
    expect(run("3.11.2", "2.36", "x86_64")).toContain("is a target of the mirror (3.11.2:x86_64:2.36)");
    expect(run("3.13.1", "2.41", "x86_64")).toContain("is a target of the mirror (3.13.5:x86_64:2.41)");
    const ubuntu = run("3.12.3", "2.39", "x86_64");
    expect(ubuntu).toContain("warning: this host (CPython 3.12.3, x86_64, glibc 2.39) is none of the mirror's targets");
    expect(ubuntu).toContain("declare its image in mirror.targets");
    expect(ubuntu).toContain("rc=0");
    // An older glibc than the target's cannot run its wheels; another CPU neither.
    expect(run("3.13.5", "2.36", "x86_64")).toContain("none of the mirror's targets");
    expect(run("3.11.2", "2.36", "aarch64")).toContain("none of the mirror's targets");
  });

  it("leaves a non-Debian Python's venv seeding alone and says what users get (no WHEEL_PKG_DIR, e.g. RHEL)", () => {
    const run = (ensurepip: string) =>
      withFunctions(bootstrap, `
        date() { printf 'T'; }
        install() { echo "INSTALLED $*"; }
        python3() { case "$2" in *sysconfig*) echo "";; *ensurepip*) [[ -n "${ensurepip}" ]] && echo "${ensurepip}" || return 1;; esac; }
        VENV_DIR=/v
        /v/bin/python() { command "$PYTHON_WITH_PIP" "$@"; }
        ensure_venv_wheel; echo "rc=$? changes=$CHANGES"
      `, { PYTHON_WITH_PIP: pythonWithPip() });
    const old = run("21.2.3");
    expect(old).toContain("seeds the pip 21.2.3 that ensurepip bundles, which ignores keyring-provider (needs >= 23.1)");
    expect(old).toContain("users create venvs with virtualenv (/usr/local/bin/virtualenv)");
    expect(old).toContain("rc=0 changes=0");
    expect(old).not.toContain("INSTALLED");
    expect(run("")).toContain("python3 has no ensurepip");
  });

  it("reports a user's venv pip that the served keyring cannot serve as permanent, with both versions", () => {
    const out = withFunctions(bootstrap, `
      date() { printf 'T'; }
      runuser() { shift 3; case "$*" in *" download --no-deps "*) echo "ERROR: Keyring util is outdated; must be at least version 25.2.1" >&2; return 1;;
        *'version("pip")'*) echo 26.2.1;; *) "$@";; esac; }
      timeout() { shift 3; "$@"; }
      VENV_TOOL_LINK=true
      VENV_DIR=/v
      /v/bin/python() { case "$*" in *'version("keyring")'*) echo 23.9.3;; *) "$PYTHON_WITH_PIP" "$@";; esac; }
      PROBE_DIR=$(mktemp -d); probe_user; echo "rc=$? broken=$USER_PROBE_BROKEN"; rm -rf "$PROBE_DIR"
    `, { PYTHON_WITH_PIP: pythonWithPip() });
    expect(out).toContain("the venv's pip 26.2.1 needs keyring >= 25.2.1; the auth repo serves 23.9.3");
    expect(out).toContain("rc=100 broken=1");
  });

  it("treats the venv's pip like Debian's ensurepip picks wheels: by file name, the last one wins", () => {
    // The rule the venv-wheel step relies on (see the comment in the template).
    expect(bootstrap).toContain("LC_ALL=C sort | tail -n1");
    expect(["pip-23.0.1-py3-none-any.whl", "pip-24.2-py3-none-any.whl"].sort().pop()).toBe("pip-24.2-py3-none-any.whl");
  });
});
