// Development only (E2E_SCRIPTS=templates bash e2e/run.sh): renders assets/*.sh.mustache through the
// app's own stack with config/example.json, for working on the templates without re-synthesizing.
// The e2e proper runs the scripts of the committed synth (cdktf.out/), byte for byte.
//   npx ts-node -T -O '{"module":"commonjs"}' e2e/sim/render-templates.ts OUT_DIR
import { Testing } from "cdktf";
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { loadConfig } from "../../config/load";
import { AirlockStack } from "../../constructs/airlock-stack";
import { loadTemplates } from "../../main";

const root = join(__dirname, "..", "..");
const [env] = loadConfig(join(root, "config", "example.json"));
const stack = new AirlockStack(Testing.app(), env.name, {
  config: env.config,
  lockContent: env.lockContent,
  templates: loadTemplates(join(root, "assets")),
});
const out = process.argv[2];
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "mirror.sh"), stack.mirrorScript ?? "");
writeFileSync(join(out, "bootstrap.sh"), stack.bootstrapScript);
