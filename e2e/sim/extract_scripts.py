"""Extracts the startup scripts of the synthesized stack, byte for byte.

  extract_scripts.py CDK_TF_JSON OUT_DIR

Takes every resource.google_compute_instance.* whose labels["airlock-role"] is `mirror` (public host)
or `bootstrap` (private host) and writes its metadata["startup-script"] to OUT_DIR/mirror.sh and
OUT_DIR/bootstrap.sh. Instances of one role must all carry the same script.

Terraform reads every JSON string as a template, so the synth escapes the scripts' own `${` as `$${`
and `%{` as `%%{`; this undoes exactly that, giving the bytes Terraform hands to the VM.
"""
import json
import os
import re
import sys


def terraform_literal(template):
    """The string a Terraform template without interpolations evaluates to."""
    return re.sub(r"([$%])\1\{", r"\1{", template)


path, out = sys.argv[1], sys.argv[2]
if not os.path.isfile(path):
    sys.exit(f"e2e: {path} is missing: run `npx cdktf synth` (the e2e runs the committed synth's scripts)")
with open(path) as fh:
    doc = json.load(fh)
instances = doc.get("resource", {}).get("google_compute_instance", {})
scripts = {"mirror": {}, "bootstrap": {}}
for name, inst in sorted(instances.items()):
    role = (inst.get("labels") or {}).get("airlock-role")
    if role in scripts:
        script = (inst.get("metadata") or {}).get("startup-script")
        if not isinstance(script, str) or not script.startswith("#!"):
            sys.exit(f"e2e: google_compute_instance.{name} (airlock-role={role}) has no startup-script")
        scripts[role][name] = terraform_literal(script)
for role, found in scripts.items():
    if not found:
        sys.exit(f"e2e: no google_compute_instance with labels.airlock-role={role} in {path}")
    if len(set(found.values())) != 1:
        sys.exit(f"e2e: the {role} instances carry different startup scripts: {sorted(found)}")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"{role}.sh"), "w", newline="") as fh:
        fh.write(next(iter(found.values())))
    print(f"e2e: {role}.sh from google_compute_instance.{', '.join(sorted(found))}")
