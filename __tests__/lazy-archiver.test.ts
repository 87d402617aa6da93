// scripts/lazy-archiver.js, in cdktf's archiver's place in the app's bundle and in every suite: the real
// archiver, loaded on first use.
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./config-support";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module cdktf requires, as cdktf requires it (jest maps it to the stand-in)
const archiver = require("archiver") as (format: string) => NodeJS.ReadableStream & {
  append(data: string, entry: { name: string }): void;
  finalize(): Promise<void>;
};

/** The bytes of a zip of one entry, made through `make`. */
async function zipOf(make: typeof archiver): Promise<Buffer> {
  const archive = make("zip");
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => archive.on("end", resolve));
  archive.append("hello", { name: "a.txt" });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

describe("archiver, loaded on first use", () => {
  it("is what the suites get for cdktf's `archiver`, and zips as the real one does", async () => {
    expect(require.resolve("archiver")).toBe(path.join(ROOT, "scripts", "lazy-archiver.js"));
    const zip = await zipOf(archiver);
    expect(zip.subarray(0, 4).toString("binary")).toBe("PK\x03\x04");
    expect(zip.includes(Buffer.from("a.txt"))).toBe(true);
  });

  it("loads cdktf's own archiver outside jest too (as the bundle runs it)", () => {
    const script = `require(${JSON.stringify(path.join(ROOT, "scripts", "lazy-archiver.js"))})("zip").on("data", (c) => { process.stdout.write(c.subarray(0, 2)); process.exit(0); }).append("x", { name: "x" }).finalize();`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "latin1" });
    expect([run.status, run.stdout, run.stderr]).toEqual([0, "PK", ""]);
  });
});
