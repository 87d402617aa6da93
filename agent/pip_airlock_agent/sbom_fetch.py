"""`python3 agent sbom`: an operator's one command for what a target's hosts install, as data. It reads the
auth repo as a host does (the newest signed set that verifies with the mirror's key, the bundle it names for
the target, checked against the signed sha256 and unpacked strictly) and prints that bundle's CycloneDX SBOM.

The operator's access token comes on standard input (`gcloud auth print-access-token | python3 agent sbom
...`): never on a command line. It goes to the Artifact Registry host of --index and to Cloud KMS only."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import types
from typing import List, Optional, TextIO

from .ar import ArtifactRegistry
from .clock import Clock
from .errors import AgentError
from .http import Transport
from .kms import KmsClient
from .log import Logger
from .names import bundle_project
from .trust import Record, SignedSource
from . import bundle

KMS_ENDPOINT = "https://cloudkms.googleapis.com/v1/"


def fetch(index_url: str, signing_key: str, target: str, token: str, transport, out: TextIO, err: TextIO,
          kms_endpoint: str = KMS_ENDPOINT, work_root: Optional[str] = None) -> int:
    host = index_url.split("://", 1)[1].split("/", 1)[0]
    clock = Clock()
    log = Logger("sbom", clock, err)
    ar = ArtifactRegistry(host, lambda: token, transport, clock)
    kms = KmsClient(kms_endpoint, lambda: token, transport)
    settings = types.SimpleNamespace(signing_key=signing_key, auth_repo_index_url=index_url)
    ctx = types.SimpleNamespace(ar=ar, kms=kms, log=log)
    work = tempfile.mkdtemp(prefix="pip-airlock-sbom.", dir=work_root)
    try:
        source = SignedSource(settings, ctx, work)
        source.poll()
        statement = source.verify(Record(None))
        item = source.bundle_for(target)
        if item is None:
            log.info(f"the signed set {source.item.filename} names no bundle for {target} (it names: {' '.join(sorted(statement.bundles)) or 'none'})")
            return 1
        path = os.path.join(work, item.filename)
        ar.download(item, path)
        unpacked = bundle.verify_and_unpack(path, bundle_project(target), item.filename.split("-")[1], os.path.join(work, "bundle"))
        if not unpacked.sbom:
            log.info(f"{item.filename} carries no SBOM (a mirror older than the signed sets made it)")
            return 1
        log.info(f"{item.filename}, named by {source.item.filename} (statement {statement.short}, signed by {statement.key_version})")
        out.write(unpacked.sbom.decode("utf-8"))
        return 0
    except AgentError as failure:
        log.info(f"failed: {failure}")
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: List[str], stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr,
         transport=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 agent sbom", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="the auth repo's index, https://REGION-python.pkg.dev/PROJECT/REPO/simple/")
    parser.add_argument("--signing-key", required=True, help="projects/P/locations/L/keyRings/R/cryptoKeys/K (output signing_key)")
    parser.add_argument("--target", required=True, help="PYTHON:ARCH:GLIBC, e.g. 3.11.2:x86_64:2.36")
    args = parser.parse_args(argv)
    if not args.index.startswith("https://") or not args.index.endswith("/simple/"):
        print("--index: must be https://REGION-python.pkg.dev/PROJECT/REPO/simple/", file=stderr)
        return 2
    token = stdin.readline().strip()
    if not token:
        print("no access token on standard input: gcloud auth print-access-token | python3 agent sbom ...", file=stderr)
        return 2
    return fetch(args.index, args.signing_key, args.target, token, transport or Transport(), stdout, stderr)
