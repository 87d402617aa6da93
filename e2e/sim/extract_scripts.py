"""Extracts the startup scripts of the synthesized stack, byte for byte.

  extract_scripts.py CDK_TF_JSON OUT_DIR

Takes every resource.google_compute_instance.* whose labels["airlock-role"] is `mirror` (public host)
or `bootstrap` (private host) and writes its metadata["startup-script"] to OUT_DIR/mirror.sh and
OUT_DIR/bootstrap.sh. Instances of one role must all carry the same script. Beside each, the settings
the synth published as data next to CDK_TF_JSON (private-host-bootstrap.settings.json,
public-host-mirror.settings.json): OUT_DIR/bootstrap.settings.json, OUT_DIR/mirror.settings.json, once
the script the synth wrote next to them is the one the instances carry (and, for a trampoline, once its
SETTINGS_JSON word is that same document).

It also writes OUT_DIR/world.json, what the fake Artifact Registry and metadata servers are configured
with, read from the same synth: every Python repository (`PROJECT/ID:standard`, `:remote=UPSTREAM`,
`:virtual=PROJECT/ID@PRIORITY,...`), every repository IAM grant (`PROJECT/ID=ACCOUNT_ID:reader|writer`),
the service account (account id) of each host role, whose metadata server issues its tokens, and the
private network's way to Google APIs: the address `pkg.dev.` resolves to in its private DNS zone
(`vip`) and the destination range of its route to the API VIPs (`vip_range`).

The metadata value is what Terraform evaluates: `${local.NAME}`, whose value is `${file("${path.module}/FILE")}`,
is FILE in CDK_TF_JSON's folder, read as UTF-8 and normalized to NFC as Terraform does; a string literal
(a synth from before the scripts moved into files) has the scripts' own `${` and `%{` escaped as `$${` and
`%%{`, which this undoes. Either way, the bytes Terraform hands to the VM.
"""
import json
import os
import re
import shutil
import sys
import unicodedata

# The files the synth writes beside cdk.tf.json for each role's script: NAME.sh and NAME.settings.json.
PUBLISHED = {"mirror": "public-host-mirror", "bootstrap": "private-host-bootstrap"}


def terraform_literal(template):
    """The string a Terraform template without interpolations evaluates to."""
    return re.sub(r"([$%])\1\{", r"\1{", template)


def startup_script(value):
    """What Terraform makes of a metadata value: a script file through a local, or a literal string."""
    local = re.fullmatch(r"\$\{local\.([A-Za-z0-9_]+)\}", value)
    if not local:
        return terraform_literal(value)
    expr = (doc.get("locals") or {}).get(local.group(1), "")
    file = re.fullmatch(r'\$\{file\("\$\{path\.module\}/([^"/]+)"\)\}', expr)
    if not file:
        sys.exit(f"e2e: local.{local.group(1)} in {path} is not a file beside it: {expr[:80]!r}")
    with open(os.path.join(os.path.dirname(path), file.group(1)), encoding="utf-8", newline="") as fh:
        return unicodedata.normalize("NFC", fh.read())


path, out = sys.argv[1], sys.argv[2]
if not os.path.isfile(path):
    sys.exit(f"e2e: {path} is missing (the e2e synthesizes config/example.json itself into its work directory)")
with open(path) as fh:
    doc = json.load(fh)
instances = doc.get("resource", {}).get("google_compute_instance", {})
scripts = {"mirror": {}, "bootstrap": {}}
for name, inst in sorted(instances.items()):
    role = (inst.get("labels") or {}).get("airlock-role")
    if role in scripts:
        script = (inst.get("metadata") or {}).get("startup-script")
        if not isinstance(script, str) or not startup_script(script).startswith("#!"):
            sys.exit(f"e2e: google_compute_instance.{name} (airlock-role={role}) has no startup-script")
        scripts[role][name] = startup_script(script)

resources = doc.get("resource", {})
ref = re.compile(r"^\$\{([a-z_]+)\.([^.}]+)\.[a-z_]+\}$")


def target(expr):
    m = ref.match(expr or "")
    if not m:
        sys.exit(f"e2e: unexpected reference {expr!r} in {path}")
    return resources[m.group(1)][m.group(2)]


def repo_name(r):
    return f"{r['project']}/{r['repository_id']}"


world = {"repos": [], "grants": [], "identities": {}}
for name, r in sorted(resources.get("google_dns_record_set", {}).items()):
    if r.get("name") == "pkg.dev." and r.get("type") == "A":
        world["vip"] = r["rrdatas"][0]
for name, r in sorted(resources.get("google_compute_route", {}).items()):
    if world.get("vip") and r.get("dest_range", "").startswith(world["vip"].rsplit(".", 1)[0] + "."):
        world["vip_range"] = r["dest_range"]
if not world.get("vip") or not world.get("vip_range"):
    sys.exit(f"e2e: no pkg.dev. A record or no route to it in {path}")
for name, r in sorted(resources.get("google_artifact_registry_repository", {}).items()):
    if r.get("format") != "PYTHON":
        continue
    mode = r.get("mode", "STANDARD_REPOSITORY")
    if mode == "STANDARD_REPOSITORY":
        world["repos"].append(f"{repo_name(r)}:standard")
    elif mode == "REMOTE_REPOSITORY":
        py = (r.get("remote_repository_config") or {}).get("python_repository") or {}
        if py.get("public_repository") != "PYPI":
            sys.exit(f"e2e: remote repository {name}: only the PYPI upstream is simulated")
        world["repos"].append(f"{repo_name(r)}:remote=https://pypi.org/simple/")
    elif mode == "VIRTUAL_REPOSITORY":
        ups = (r.get("virtual_repository_config") or {}).get("upstream_policies") or []
        world["repos"].append(f"{repo_name(r)}:virtual=" + ",".join(
            f"{repo_name(target(u['repository']))}@{u['priority']}" for u in ups))
for name, g in sorted(resources.get("google_artifact_registry_repository_iam_member", {}).items()):
    member = g["member"]
    if not member.startswith("serviceAccount:"):
        continue
    account = target(member[len("serviceAccount:"):])["account_id"]
    role = {"roles/artifactregistry.reader": "reader", "roles/artifactregistry.writer": "writer"}.get(g["role"])
    if role is None:
        sys.exit(f"e2e: grant {name}: role {g['role']} is not simulated")
    repo = target(g["repository"])
    world["grants"].append(f"{repo_name(repo)}={account}:{role}")
# The mirror's signing key (mirror mode) and its grants, as the fake Cloud KMS is configured: the key's
# name from its key ring, and each service account's role on it (signer, publicKeyViewer).
world["kms_grants"] = []
for name, k in sorted(resources.get("google_kms_crypto_key", {}).items()):
    if k.get("purpose") != "ASYMMETRIC_SIGN":
        continue
    ring = target(k["key_ring"])
    world["signing_key"] = f"projects/{ring['project']}/locations/{ring['location']}/keyRings/{ring['name']}/cryptoKeys/{k['name']}"
    world["signing_algorithm"] = k["version_template"]["algorithm"]
    for gname, g in sorted(resources.get("google_kms_crypto_key_iam_member", {}).items()):
        if g["crypto_key_id"] != "${google_kms_crypto_key." + name + ".id}" or not g["member"].startswith("serviceAccount:"):
            continue
        role = {"roles/cloudkms.signer": "signer", "roles/cloudkms.publicKeyViewer": "publicKeyViewer"}.get(g["role"])
        if role is None:
            sys.exit(f"e2e: KMS grant {gname}: role {g['role']} is not simulated")
        account = target(g["member"][len("serviceAccount:"):])["account_id"]
        world["kms_grants"].append(f"{world['signing_key']}={account}:{role}")
for name, inst in sorted(instances.items()):
    role = (inst.get("labels") or {}).get("airlock-role")
    if role in scripts:
        world["identities"][role] = target(inst["service_account"]["email"])["account_id"]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "world.json"), "w") as fh:
    json.dump(world, fh, indent=1)

for role, found in scripts.items():
    if not found and role == "mirror" and not world["identities"].get("mirror"):
        continue  # remote mode: no public host
    if not found:
        sys.exit(f"e2e: no google_compute_instance with labels.airlock-role={role} in {path}")
    if len(set(found.values())) != 1:
        sys.exit(f"e2e: the {role} instances carry different startup scripts: {sorted(found)}")
    os.makedirs(out, exist_ok=True)
    script = next(iter(found.values()))
    with open(os.path.join(out, f"{role}.sh"), "w", encoding="utf-8", newline="") as fh:
        fh.write(script)
    published = os.path.join(os.path.dirname(path), PUBLISHED[role])
    with open(f"{published}.sh", encoding="utf-8", newline="") as fh:
        if fh.read() != script:
            sys.exit(f"e2e: {published}.sh is not the script google_compute_instance.{', '.join(sorted(found))} carries")
    shutil.copyfile(f"{published}.settings.json", os.path.join(out, f"{role}.settings.json"))
    # The trampoline carries the settings as one JSON word: the harness reads the published copy, so
    # it must be the same document.
    carried = re.findall(r"^SETTINGS_JSON='((?:[^']|'\\'')*)'$", script, re.M)
    if carried:
        with open(f"{published}.settings.json") as fh:
            if len(carried) != 1 or json.loads(carried[0].replace("'\\''", "'")) != json.load(fh):
                sys.exit(f"e2e: {published}.settings.json is not the SETTINGS_JSON its script carries")
    print(f"e2e: {role}.sh from google_compute_instance.{', '.join(sorted(found))}")
