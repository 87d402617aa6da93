// Development only (E2E_SCRIPTS=templates bash e2e/run.sh): renders assets/*.sh.mustache with the values
// of config/example.json, for working on the templates before a synth exists. The e2e proper runs the
// scripts of the committed synth (cdktf.out/), byte for byte.
//   npx ts-node -T -O '{"module":"commonjs"}' e2e/sim/render-templates.ts OUT_DIR
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { renderBootstrapScript, renderMirrorScript } from "../../assets/views";

const out = process.argv[2];
const assets = join(__dirname, "..", "..", "assets");
const host = "us-central1-python.pkg.dev";
const common = {
  ar_host: host,
  auth_repo_index_url: `https://${host}/airlock-example/pip-auth-repo/simple/`,
  metadata_host: "metadata.google.internal",
  guest_attr_namespace: "pip-airlock",
  max_attempts: 8,
  max_backoff_seconds: 30,
};
const packages = ["keyring", "keyrings.google-artifactregistry-auth"];
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, "mirror.sh"),
  renderMirrorScript(readFileSync(join(assets, "mirror.sh.mustache"), "utf8"), {
    ...common,
    auth_repo_upload_url: `https://${host}/airlock-example/pip-auth-repo/`,
    source_index_url: "https://pypi.org/simple/",
    packages,
    python_versions: ["3.11", "3.12"],
    platforms: ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    bootstrap_pip: "pip>=23.1",
    lock_content: "",
    stop_when_done: false,
  }),
);
writeFileSync(
  join(out, "bootstrap.sh"),
  renderBootstrapScript(readFileSync(join(assets, "bootstrap.sh.mustache"), "utf8"), {
    ...common,
    pip_index_url: `https://oauth2accesstoken@${host}/airlock-example/my-private-pip-packages/simple/`,
    upload_repo_url: `https://${host}/airlock-example/my-private-pip-packages/`,
    packages,
    bootstrap_pip: "pip>=23.1",
    venv_dir: "/opt/pip-airlock/keyring",
  }),
);
