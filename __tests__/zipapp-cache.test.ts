// The agent's zipapp kept between synths (startup-script/zipapp-cache.ts): what a synth reads from the cache
// is what it would have deflated, and a cache file that does not hold exactly the sources is never used.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { zipSync } from "fflate";
import { AGENT } from "./config-support";

type ZipappModule = typeof import("../startup-script/agent-zipapp");

/** The module as a new synth process loads it: nothing deflated in this process yet. */
function freshProcess(): ZipappModule {
  let loaded: ZipappModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance, as a new process has
    loaded = require("../startup-script/agent-zipapp");
  });
  return loaded!;
}

/** A checkout with its own agent (one source changed, so no other suite's zipapp is this one) and node_modules. */
function checkout(withNodeModules = true): { agent: string; cache: string } {
  const root = mkdtempSync(path.join(tmpdir(), "airlock-zipapp-cache-"));
  const agent = path.join(root, "agent");
  cpSync(AGENT, agent, { recursive: true });
  writeFileSync(path.join(agent, "__main__.py"), `${readFileSync(path.join(agent, "__main__.py"), "utf8")}# ${root}\n`);
  if (withNodeModules) mkdirSync(path.join(root, "node_modules"));
  return { agent, cache: path.join(root, "node_modules", ".cache", "pip-airlock", "zipapps") };
}

const zipsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".zip")) : []);

describe("the zipapp cache", () => {
  it("keeps the deflated zip, and the next synth's zipapp from it is byte for byte what a fresh deflate makes", () => {
    const { agent, cache } = checkout();
    const first = freshProcess().loadAgentZipapp(agent, "bootstrap");
    const [file] = zipsIn(cache);
    expect(zipsIn(cache)).toEqual([file]);
    expect(readFileSync(path.join(cache, file)).equals(Buffer.from(first.bytes))).toBe(true);
    expect(statSync(path.join(cache, file)).mode & 0o777).toBe(0o600);

    const fromCache = freshProcess().loadAgentZipapp(agent, "bootstrap");
    const m = freshProcess();
    const deflated = m.buildAgentZipapp(m.commandSources(m.readAgentSources(agent), "bootstrap")); // no cache
    expect([fromCache.sha256, fromCache.entries]).toEqual([deflated.sha256, deflated.entries]);
    expect(Buffer.from(fromCache.bytes).equals(Buffer.from(deflated.bytes))).toBe(true);
  });

  it("uses a cached zip that holds exactly the sources", () => {
    const { agent, cache } = checkout();
    const m = freshProcess();
    const sources = m.readAgentSources(agent);
    const original = m.buildAgentZipapp(sources, cache);
    // The same entries at another level: other bytes, the same files. A later synth takes them as they are.
    const [file] = zipsIn(cache);
    const other = zipSync(Object.fromEntries(sources.map((s) => [s.name, s.content])), { level: 1 });
    writeFileSync(path.join(cache, file), other);
    const read = freshProcess().buildAgentZipapp(sources, cache);
    expect(read.sha256).not.toBe(original.sha256);
    expect(Buffer.from(read.bytes).equals(Buffer.from(other))).toBe(true);
  });

  it("never uses a cached zip whose files differ from the sources: another module's code, one file more or less, or no zip at all", () => {
    const { agent, cache } = checkout();
    const m = freshProcess();
    const sources = m.readAgentSources(agent);
    const good = m.buildAgentZipapp(sources, cache);
    const [file] = zipsIn(cache);
    const entries = Object.fromEntries(sources.map((s) => [s.name, s.content]));
    const tampered = [
      zipSync({ ...entries, "pip_airlock_agent/cli.py": new TextEncoder().encode("import os; os.system('id')\n") }),
      zipSync({ ...entries, "pip_airlock_agent/extra.py": new Uint8Array([35]) }),
      zipSync(Object.fromEntries(Object.entries(entries).slice(1))),
      new TextEncoder().encode("not a zip"),
    ];
    for (const bytes of tampered) {
      writeFileSync(path.join(cache, file), bytes);
      const built = freshProcess().buildAgentZipapp(sources, cache);
      expect(built.sha256).toBe(good.sha256);
      // and the cache holds the good zip again
      expect(readFileSync(path.join(cache, file)).equals(Buffer.from(good.bytes))).toBe(true);
    }
  });

  it("is not used where agent/ has no node_modules beside it (a packed library's), and a synth goes on when it cannot write it", () => {
    const packed = checkout(false);
    freshProcess().loadAgentZipapp(packed.agent, "mirror");
    expect(existsSync(path.dirname(path.dirname(packed.cache)))).toBe(false);

    const readOnly = checkout();
    writeFileSync(path.join(path.dirname(path.dirname(path.dirname(readOnly.cache))), ".cache"), "a file where the folder would be");
    const m = freshProcess();
    const built = m.loadAgentZipapp(readOnly.agent, "mirror");
    expect(built.sha256).toBe(m.buildAgentZipapp(m.commandSources(m.readAgentSources(readOnly.agent), "mirror")).sha256);
  });
});
