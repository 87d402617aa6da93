import { main } from "../main";

/**
 * main() in this process, as synth.js calls it, with `env` added to process.env while it runs (cdktf's App
 * and the synth read some settings from process.env itself): its exit code and what it wrote.
 */
export function mainInProcess(env: NodeJS.ProcessEnv): { status: number; stdout: string; stderr: string } {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const written = { stdout: "", stderr: "" };
  const spies = (["stdout", "stderr"] as const).map((stream) =>
    jest.spyOn(process[stream], "write").mockImplementation((text) => ((written[stream] += String(text)), true)),
  );
  try {
    return { status: main(process.env), ...written };
  } finally {
    spies.forEach((spy) => spy.mockRestore());
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
