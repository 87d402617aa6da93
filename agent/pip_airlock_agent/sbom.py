"""What a bundle holds, as a CycloneDX 1.5 SBOM (https://cyclonedx.org/docs/1.5/json/): one component per
wheel with its purl (pkg:pypi/NAME@VERSION, https://github.com/package-url/purl-spec PyPI type: the name
PEP 503-normalized), version, SHA-256 and, as properties, the mirror's policy decisions, the file's upload
time on the source index and its publisher as PyPI's Integrity API reported it.

Byte for byte reproducible from its inputs (no timestamp; the serial number is derived from the content):
the bundle's version ID covers it, so the same closure with the same decisions is the same file."""
from __future__ import annotations

import hashlib
import json
import uuid
from typing import Dict, List, Mapping, Sequence, Tuple

from .names import wheel_project, wheel_version

SPEC_VERSION = "1.5"


def purl(project: str, version: str) -> str:
    return f"pkg:pypi/{project}@{version}"


def document(project: str, target: str, wheels: Sequence[Tuple[str, str]],
             decisions: Mapping[str, Sequence[str]], upload_times: Mapping[str, str],
             publishers: Mapping[str, str]) -> bytes:
    """The SBOM of the bundle of PROJECT for TARGET: `wheels` is [(file name, sha256)]; `decisions` by file
    name, `upload_times` by file name, `publishers` by project. The bundle's version is not in it: the
    version's ID is drawn from the SBOM."""
    components: List[Dict[str, object]] = []
    for name, sha in sorted(wheels):
        wp, wv = wheel_project(name), wheel_version(name)
        properties = [{"name": "pip-airlock:file", "value": name}]
        properties += [{"name": "pip-airlock:policy", "value": d} for d in decisions.get(name, ())]
        if upload_times.get(name):
            properties.append({"name": "pip-airlock:upload-time", "value": upload_times[name]})
        if publishers.get(wp):
            properties.append({"name": "pip-airlock:publisher", "value": publishers[wp]})
        components.append({
            "type": "library",
            "bom-ref": name,
            "name": wp,
            "version": wv,
            "purl": purl(wp, wv),
            "hashes": [{"alg": "SHA-256", "content": sha}],
            "properties": properties,
        })
    body = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "component": {"type": "application", "bom-ref": project, "name": project,
                          "description": f"pip-airlock bundle for {target}"},
            "tools": {"components": [{"type": "application", "name": "pip-airlock"}]},
        },
        "components": components,
    }
    content = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    body["serialNumber"] = "urn:uuid:" + str(uuid.UUID(bytes=hashlib.sha256(content).digest()[:16], version=4))
    return (json.dumps(body, sort_keys=True, indent=1) + "\n").encode()


def components(data: bytes) -> Dict[str, Tuple[str, str, str]]:
    """An SBOM's components by file name: (name, version, sha256). For hosts and tests."""
    doc = json.loads(data.decode("utf-8"))
    found: Dict[str, Tuple[str, str, str]] = {}
    for c in doc.get("components", []):
        file = next((p["value"] for p in c.get("properties", []) if p.get("name") == "pip-airlock:file"), c.get("bom-ref"))
        sha = next((h["content"] for h in c.get("hashes", []) if h.get("alg") == "SHA-256"), "")
        found[file] = (c.get("name"), c.get("version"), sha)
    return found
