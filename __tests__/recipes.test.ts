import { spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "./config-support";

const RECIPES = path.join(ROOT, "recipes");
const TOKEN = "ya29.recipe-test-token-0123456789";

/** A folder of stand-in commands: each records its argv in calls.log (its body may append to "$CALLS_LOG"). */
function standIns(commands: Record<string, string>): { bin: string; log: string } {
  const bin = mkdtempSync(path.join(tmpdir(), "airlock-recipe-"));
  const log = path.join(bin, "calls.log");
  writeFileSync(log, "");
  for (const [name, body] of Object.entries(commands)) {
    writeFileSync(
      path.join(bin, name),
      `#!/bin/bash\nCALLS_LOG=${log}\nprintf '%s argv:' ${name} >>"$CALLS_LOG"; printf ' [%s]' "$@" >>"$CALLS_LOG"; echo >>"$CALLS_LOG"\n${body}\n`,
    );
    chmodSync(path.join(bin, name), 0o755);
  }
  return { bin, log };
}

function run(script: string, args: string[], bin: string) {
  return spawnSync("bash", [path.join(RECIPES, script), ...args], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
}

describe("recipes for builds and uploads (recipes/)", () => {
  it("the Dockerfile takes the token only as a BuildKit secret mount, never as a build argument or environment", () => {
    const dockerfile = readFileSync(path.join(RECIPES, "Dockerfile"), "utf8");
    // No frontend image to pull (Docker Hub is out of reach): the built-in frontend's secret mount, read from its file.
    expect(dockerfile).not.toMatch(/^\s*#\s*syntax\s*=/im);
    expect(dockerfile).toMatch(
      /RUN --mount=type=secret,id=ar_token,required=true \\\n\s+PIP_INDEX_URL="https:\/\/oauth2accesstoken:\$\(cat \/run\/secrets\/ar_token\)@/,
    );
    expect(dockerfile).not.toMatch(/^\s*(ARG|ENV)\s+\S*TOKEN/im);
  });

  it("build-image.sh hands docker the metadata server's token through the environment, not its argv", () => {
    const { bin, log } = standIns({
      curl: `printf '{"access_token": "${TOKEN}", "expires_in": 3599, "token_type": "Bearer"}'`,
      docker: 'echo "docker env AR_TOKEN=${AR_TOKEN:-unset}" >>"$CALLS_LOG"',
    });
    const r = run(
      "build-image.sh",
      ["us-docker.pkg.dev/p/base/python:3.11", "https://us-central1-python.pkg.dev/p/pip-all/simple/", "app:1"],
      bin,
    );
    expect(r.status).toBe(0);
    const calls = readFileSync(log, "utf8");
    const dockerArgv = calls.split("\n").find((l) => l.startsWith("docker argv:"))!;
    expect(dockerArgv).toContain("[--secret] [id=ar_token,env=AR_TOKEN]");
    expect(dockerArgv).toContain("[PIP_INDEX_URL=https://us-central1-python.pkg.dev/p/pip-all/simple/]");
    expect(calls).toContain(`docker env AR_TOKEN=${TOKEN}`);
    expect(calls.split("\n").filter((l) => l.includes("argv:") && l.includes(TOKEN))).toEqual([]);
    expect(calls).toMatch(/curl argv:.*\[Metadata-Flavor: Google\].*service-accounts\/default\/token/);
  });

  it("upload-from-ci.sh gives twine the token through its environment only, and refuses to run without files", () => {
    const { bin, log } = standIns({
      gcloud: `echo ${TOKEN}`,
      twine: 'echo "twine env ${TWINE_USERNAME}:${TWINE_PASSWORD}" >>"$CALLS_LOG"',
    });
    const url = "https://us-central1-python.pkg.dev/p/my-private-pip-packages/";
    expect(run("upload-from-ci.sh", [url, "dist/app-1.0-py3-none-any.whl"], bin).status).toBe(0);
    const calls = readFileSync(log, "utf8");
    expect(calls).toContain(`twine argv: [upload] [--non-interactive] [--repository-url] [${url}] [dist/app-1.0-py3-none-any.whl]`);
    expect(calls).toContain(`twine env oauth2accesstoken:${TOKEN}`);
    expect(calls.split("\n").filter((l) => l.includes("argv:") && l.includes(TOKEN))).toEqual([]);
    const empty = run("upload-from-ci.sh", [url], bin);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain("no files to upload");
  });
});
