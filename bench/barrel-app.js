// The baseline: a one-resource cdktf app that imports the Google provider through its package barrel.
const { App, TerraformStack } = require("cdktf");
const google = require("@cdktf/provider-google");

const app = new App({ outdir: process.env.CDKTF_OUTDIR, stackTraces: false });
const stack = new TerraformStack(app, "barrel");
new google.provider.GoogleProvider(stack, "google", { project: "airlock-example", region: "us-central1" });
new google.computeNetwork.ComputeNetwork(stack, "network", { name: "barrel", autoCreateSubnetworks: false });
app.synth();
