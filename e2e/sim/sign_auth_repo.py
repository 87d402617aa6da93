"""The signed set a mirror would publish of an auth repo a scenario seeded (files put in place for the private
host alone): the statement of every file in the directory and each bundle's target, signed through the fake
Cloud KMS's documented asymmetricSign with a token of the mirror's identity, built by the agent's own
signed_set code (agent/ of this tree) and written beside the files. Prints the signed set's file name.

  sign_auth_repo.py AUTH_REPO_DIR KEY_VERSION_NAME KMS_ENDPOINT IDENTITY [--files NAME...]

SSL_CERT_FILE names the test CA (the agent's Transport uses the default store); SIM_TOKEN_KEY the key the
fake servers verify tokens with."""
import argparse
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.environ.get("E2E_ROOT") or os.path.join(HERE, "..", ".."), "agent"))

from servers import issue_token  # noqa: E402
from pip_airlock_agent import signed_set  # noqa: E402
from pip_airlock_agent.http import Transport  # noqa: E402
from pip_airlock_agent.kms import KmsClient  # noqa: E402

BUNDLE = re.compile(r"pip_airlock_bundle_py(\d+)_(\d+)_(\d+)_(x86_64|aarch64)_glibc(\d+)_(\d+)-(\d+)\.(\d+)-py3-none-any\.whl")


def target_of(bundle_file):
    m = BUNDLE.fullmatch(bundle_file)
    return f"{m[1]}.{m[2]}.{m[3]}:{m[4]}:{m[5]}.{m[6]}" if m else None


def resolve_kms():
    """cloudkms.googleapis.com at the fake KMS's address (E2E_KMS_IP): the harness has no DNS of its own."""
    import socket
    ip = os.environ.get("E2E_KMS_IP")
    if not ip:
        return
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return real(ip if host == "cloudkms.googleapis.com" else host, *args, **kwargs)
    socket.getaddrinfo = getaddrinfo


def main():
    resolve_kms()
    p = argparse.ArgumentParser()
    p.add_argument("repo_dir")
    p.add_argument("version_name")
    p.add_argument("endpoint")
    p.add_argument("identity")
    p.add_argument("--files", nargs="*", help="only these files (default: every wheel in the directory but signed sets)")
    args = p.parse_args()
    names = args.files if args.files is not None else sorted(
        n for n in os.listdir(args.repo_dir) if n.endswith(".whl") and not n.startswith("pip_airlock_signed_set-"))
    files = []
    for name in names:
        with open(os.path.join(args.repo_dir, name), "rb") as fh:
            files.append((name, hashlib.sha256(fh.read()).hexdigest()))
    newest = {}
    for name, sha in files:
        target = target_of(name)
        if target:
            version = tuple(int(x) for x in name.split("-")[1].split("."))
            if target not in newest or version > newest[target][0]:
                newest[target] = (version, name, sha)
    statement = signed_set.statement_bytes(args.version_name, files, [(t, n, s) for t, (_, n, s) in newest.items()], "")
    token, _ = issue_token(args.identity, 600)
    kms = KmsClient(args.endpoint, lambda: token, Transport())
    signature = kms.asymmetric_sign(args.version_name, hashlib.sha256(statement).digest())
    listing = []
    for n in os.listdir(args.repo_dir):
        if n.startswith("pip_airlock_signed_set-"):
            with open(os.path.join(args.repo_dir, n), "rb") as fh:
                listing.append(type("F", (), {"filename": n, "sha256": hashlib.sha256(fh.read()).hexdigest()})())
    path, _ = signed_set.plan(args.repo_dir, listing, statement, signature)
    print(os.path.basename(path))


if __name__ == "__main__":
    main()
