// Throttling in the rendered startup scripts: HTTP 429 from Artifact Registry (its per-project request
// quota) and from the metadata server (bursts of token requests), each honoured as its Retry-After
// says, every wait bounded and jittered; the token reused within a run; pip made to retry 429 too. The
// scripts' own functions run in bash against a local HTTP server of scripted answers. A fleet under a
// quota, end to end: e2e/scenarios/fleet-boot.sh.
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ENV, withFunctions } from "./script-support";
import { buildStack, exampleConfig } from "./support";

// The scripts exactly as the example's stack renders them.
const { mirrorScript, bootstrapScript: bootstrap } = buildStack(exampleConfig()).stack;
const mirror = mirrorScript!;

/**
 * A local HTTP server (python3, stdlib) answering each path with the next of its scripted answers
 * (the last one repeats): PLAN is JSON {path: [[code, {header: value}, body], ...]}, a body "@FILE" is
 * that file's bytes. It logs "PATH CODE" per request to LOG and prints its port.
 */
const SERVER = `
import http.server, json, sys
plan, log = json.loads(sys.argv[1]), sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        answers = plan.get(path) or [[404, {}, "not found"]]
        code, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
        data = open(body[1:], "rb").read() if body.startswith("@") else body.encode()
        with open(log, "a") as fh:
            fh.write(f"{path} {code}\\n")
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
`;

/** Runs BODY with the script's functions while SERVER answers PLAN on $PORT; returns the output and the request log. */
function withServer(script: string, plan: Record<string, [number, Record<string, string>, string][]>, body: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-throttle-"));
  try {
    const out = withFunctions(script, `
      python3 -c "$SERVER" "$PLAN" "${dir}/requests.log" >"${dir}/port" 2>"${dir}/server.err" &
      SERVER_PID=$!
      for _ in $(seq 1 100); do [[ -s "${dir}/port" ]] && break; sleep 0.05; done
      PORT=$(cat "${dir}/port")
      ${body}
      kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
      true
    `, { SERVER, PLAN: JSON.stringify(plan), DIR: dir, ...env });
    let requests = "";
    try {
      requests = readFileSync(path.join(dir, "requests.log"), "utf8");
    } catch {
      // no request reached the server
    }
    return { out, requests: requests.trim().split("\n").filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A python3 with pip (the system one runs the pip retry shim here). */
function pythonWithPip(): string {
  for (const python of ["python3", "/usr/bin/python3"]) {
    if (spawnSync(python, ["-c", "import pip"], { env: ENV }).status === 0) return python;
  }
  throw new Error("no python3 with pip on PATH");
}

describe.each([["mirror", mirror], ["bootstrap", bootstrap]])("%s: retry", (_name, script) => {
  it("waits as long as Retry-After says, or its own backoff when longer (capped at retry_after_max_seconds), plus up to half more at random", () => {
    const out = withFunctions(script, `
      sleep() { printf 'sleep %s\\n' "$1"; }
      date() { printf 'T'; }
      MAX_ATTEMPTS=3
      told() { RETRY_AFTER=7; return 1; }
      retry "told" told; echo "rc=$?"
      long() { RETRY_AFTER=1000; return 1; }
      retry "long" long; echo "rc=$?"
      n=0; once() { n=$((n + 1)); ((n > 1)) && return 0; RETRY_AFTER=2; return 1; }
      retry "once" once; echo "rc=$? calls=$n"
    `);
    const sleeps = out.split("\n").filter((l) => l.startsWith("sleep ")).map((l) => Number(l.slice(6)));
    expect(sleeps).toHaveLength(5);
    for (const s of sleeps.slice(0, 2)) expect(s >= 7 && s <= 10.5).toBe(true);
    for (const s of sleeps.slice(2, 4)) expect(s >= 120 && s <= 180).toBe(true);
    expect(sleeps[4] >= 2 && sleeps[4] <= 3).toBe(true);
    // Told "1 s" again and again: the backoff (1, 2, 4, then the cap of 5) is the floor.
    const again = withFunctions(script, `
      sleep() { printf 'sleep %s\\n' "$1"; }
      date() { printf 'T'; }
      MAX_ATTEMPTS=5 MAX_BACKOFF_SECONDS=5
      busy() { RETRY_AFTER=1; return 1; }
      retry "busy" busy; true
    `).split("\n").filter((l) => l.startsWith("sleep ")).map((l) => Number(l.slice(6)));
    [1, 2, 4, 5].forEach((floor, i) => expect(again[i] >= floor && again[i] <= floor * 1.5).toBe(true));
    expect(out).toContain("told: attempt 1/3 failed (throttled, Retry-After 7s); retrying in");
    expect(out).toContain("told: failed after 3 attempts");
    expect(out).toContain("rc=0 calls=2");
  });
});

describe("Retry-After, tokens and listings", () => {
  it("reads Retry-After in seconds or as an HTTP date, and nothing when there is none", () => {
    const out = withFunctions(bootstrap, `
      d=$(mktemp -d)
      printf 'HTTP/1.1 429 Too Many Requests\\r\\nretry-after: 12 \\r\\n\\r\\n' >"$d/a"
      printf 'HTTP/1.1 503 Unavailable\\r\\nRetry-After: %s\\r\\n\\r\\n' "$(date -u -d '+30 seconds' '+%a, %d %b %Y %H:%M:%S GMT')" >"$d/b"
      printf 'HTTP/1.1 200 OK\\r\\n\\r\\n' >"$d/c"
      echo "a=$(retry_after_of "$d/a") b=$(retry_after_of "$d/b") c=$(retry_after_of "$d/c")"
      rm -rf "$d"
    `);
    const m = out.match(/a=(\d+) b=(\d+) c=$/m);
    expect(m?.[1]).toBe("12");
    expect(Number(m?.[2])).toBeGreaterThanOrEqual(28);
    expect(Number(m?.[2])).toBeLessThanOrEqual(30);
  });

  it("fetch_token: a 429 of the metadata server sets RETRY_AFTER; a token is kept for the run until near its expiry", () => {
    const out = withFunctions(bootstrap, `
      date() { if [[ $* == *%s* ]]; then command date "$@"; else printf 'T'; fi; }
      COUNT=$(mktemp)
      curl() {
        local n; n=$(($(wc -l <"$COUNT") + 1)); echo >>"$COUNT"
        case $n in
          1) printf 'HTTP/1.1 429 Too Many Requests\\r\\nRetry-After: 3\\r\\nContent-Length: 4\\r\\n\\r\\nslow' ;;
          2) printf 'HTTP/1.1 100 Continue\\r\\n\\r\\nHTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n\\r\\n{"access_token": "tok-a", "expires_in": 3599}' ;;
          *) printf 'HTTP/1.1 200 OK\\r\\n\\r\\n{"access_token": "tok-b", "expires_in": 3599}' ;;
        esac
      }
      fetch_token; echo "1: rc=$? retry_after=$RETRY_AFTER token=$TOKEN calls=$(wc -l <"$COUNT")"
      RETRY_AFTER=; fetch_token; echo "2: rc=$? retry_after=$RETRY_AFTER token=$TOKEN calls=$(wc -l <"$COUNT")"
      fetch_token; echo "3: rc=$? token=$TOKEN calls=$(wc -l <"$COUNT")"
      TOKEN_EXPIRES=$(($(command date +%s) + 20)); fetch_token; echo "4: rc=$? token=$TOKEN calls=$(wc -l <"$COUNT")"
      rm -f "$COUNT"
    `);
    expect(out).toContain("metadata token: HTTP 429 (Retry-After 3s)");
    expect(out).toContain("1: rc=1 retry_after=3 token= calls=1");
    expect(out).toContain("2: rc=0 retry_after= token=tok-a calls=2");
    expect(out).toContain("3: rc=0 token=tok-a calls=2");
    expect(out).toContain("4: rc=0 token=tok-b calls=3");
  });

  it("list_auth_repo: 429 or 503 with Retry-After set RETRY_AFTER; 503 without it is a plain failure; 401 forgets the token", () => {
    const page = '<a href="../../files/d-1.0-py3-none-any.whl#sha256=abc" data-requires-python="&gt;=3.9">d-1.0-py3-none-any.whl</a>';
    const { out, requests } = withServer(bootstrap, {
      "/p/r/simple/a/": [[429, { "Retry-After": "5" }, "quota"]],
      "/p/r/simple/b/": [[503, {}, "unavailable"]],
      "/p/r/simple/c/": [[401, {}, "who"]],
      "/p/r/simple/s/": [[503, { "Retry-After": "2" }, "later"]],
      "/p/r/simple/d/": [[200, { "Content-Type": "text/html" }, page]],
    }, `
      AUTH_REPO_INDEX_URL="http://127.0.0.1:$PORT/p/r/simple/"; TOKEN=t; WORK_DIR=$(mktemp -d)
      for p in a b s c; do RETRY_AFTER=; TOKEN_EXPIRES=99; list_auth_repo "$p" 2>/dev/null; echo "$p: rc=$? retry_after=$RETRY_AFTER expires=$TOKEN_EXPIRES"; done
      list_auth_repo e d; echo "rc=$?"
      rm -rf "$WORK_DIR"
    `);
    expect(out).toContain("a: rc=75 retry_after=5 expires=99");
    expect(out).toContain("b: rc=1 retry_after= expires=99");
    expect(out).toContain("s: rc=75 retry_after=2 expires=99");
    expect(out).toContain("c: rc=77 retry_after= expires=0");
    expect(out).toMatch(/^d-1\.0-py3-none-any\.whl abc http:\/\/127\.0\.0\.1:\d+\/p\/r\/files\/d-1\.0-py3-none-any\.whl >=3\.9\nrc=0$/m);
    expect(requests).toEqual(["/p/r/simple/a/ 429", "/p/r/simple/b/ 503", "/p/r/simple/s/ 503", "/p/r/simple/c/ 401", "/p/r/simple/e/ 404", "/p/r/simple/d/ 200"]);
  });

  it("ar_get: a 429 sets RETRY_AFTER and leaves no file; a 200 writes it; a 401 forgets the token", () => {
    const { out } = withServer(bootstrap, {
      "/f/busy": [[429, { "Retry-After": "9" }, "quota"]],
      "/f/ok": [[200, {}, "hello"]],
      "/f/who": [[401, {}, "who"]],
    }, `
      date() { printf 'T'; }
      fetch_token() { TOKEN=t; }
      d=$(mktemp -d)
      for f in busy ok who; do RETRY_AFTER=; TOKEN_EXPIRES=99; ar_get "http://127.0.0.1:$PORT/f/$f" "$d/$f"; echo "$f: rc=$? retry_after=$RETRY_AFTER expires=$TOKEN_EXPIRES files=$(ls "$d" | tr '\\n' ' ')"; done
      echo "ok holds $(cat "$d/ok")"; rm -rf "$d"
    `);
    expect(out).toContain("GET http://127.0.0.1:");
    expect(out).toContain("busy: rc=1 retry_after=9 expires=99 files=\n");
    expect(out).toContain("ok: rc=0 retry_after= expires=99 files=ok \n");
    expect(out).toContain("who: rc=1 retry_after= expires=0 files=ok \n");
    expect(out).toContain("ok holds hello");
  });
});

describe("pip and HTTP 429", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-pip429-"));
  const wheel = path.join(dir, "demo-1.0-py3-none-any.whl");
  execFileSync("python3", ["-c", `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("demo.py", "")
    z.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: demo\\nVersion: 1.0\\n")
    z.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("demo-1.0.dist-info/RECORD", "")
`, wheel], { env: ENV });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const page = '<a href="/files/demo-1.0-py3-none-any.whl">demo-1.0-py3-none-any.whl</a>';
  /** pip download of demo from the local server, its first page request answered 429 with these headers. */
  const pip = (shim: boolean, headers: Record<string, string>, tag: string) => {
    const t0 = Date.now();
    const r = withServer(bootstrap, {
      "/simple/demo/": [[429, headers, "quota"], [200, { "Content-Type": "text/html" }, page]],
      "/files/demo-1.0-py3-none-any.whl": [[200, {}, `@${wheel}`]],
    }, `
      PIP=(${pythonWithPip()} ${shim ? '-c "$PIP_RETRY_PY" 1' : "-m pip"})
      PIP_CONFIG_FILE=/dev/null timeout 60 "\${PIP[@]}" download --no-deps --no-cache-dir --disable-pip-version-check --retries 2 --timeout 5 \\
        --index-url "http://127.0.0.1:$PORT/simple/" --dest "$DIR/dl" demo >"$DIR/pip.log" 2>&1; echo "rc=$?"
      ls "$DIR/dl" 2>/dev/null
    `, { TAG: tag });
    return { ...r, seconds: (Date.now() - t0) / 1000 };
  };
  const served = ["/simple/demo/ 429", "/simple/demo/ 200", "/files/demo-1.0-py3-none-any.whl 200"];

  it("pip alone gives up on a 429 without Retry-After; through PIP_RETRY_PY it retries and succeeds", () => {
    const plain = pip(false, {}, "plain");
    expect(plain.out).toMatch(/^rc=[1-9]/m);
    expect(plain.requests).toEqual(["/simple/demo/ 429"]);
    const shimmed = pip(true, {}, "shim");
    expect(shimmed.out).toContain("rc=0\ndemo-1.0-py3-none-any.whl");
    expect(shimmed.requests).toEqual(served);
  });

  it("through PIP_RETRY_PY a Retry-After of an hour is waited for at most the bound it is given (here 1 s)", () => {
    const shimmed = pip(true, { "Retry-After": "3600" }, "long");
    expect(shimmed.out).toContain("rc=0\ndemo-1.0-py3-none-any.whl");
    expect(shimmed.requests).toEqual(served);
    expect(shimmed.seconds).toBeLessThan(30);
  });
});
