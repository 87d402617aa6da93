"""`python3 agent sbom`: the SBOM of what a target's hosts install, read from the auth repo as a host reads it
(the newest signed set that verifies, the bundle it names), with the operator's token from standard input."""
from __future__ import annotations

import io
import json
import os

import pytest

from bootstrap_fakes import CLOSURE, KMS, PROJECT, SIGNING_KEY, SIMPLE, TARGET, AuthRepo, HostTransport, SigningKeys, closure
from pip_airlock_agent import bundle, sbom
from pip_airlock_agent.sbom_fetch import main

TOKEN = "ya29.operator-token"


@pytest.fixture
def repo(tmp_path):
    wheels = closure(str(tmp_path / "wheels"))
    document = sbom.document(PROJECT, TARGET, [(os.path.basename(w), bundle.sha256_of(w)) for w in wheels],
                             {"keyring-25.7.0-py3-none-any.whl": ["kept: released 40 days ago"]}, {}, {"keyring": "github:jaraco/keyring"})
    os.makedirs(tmp_path / "out")
    path, _ = bundle.plan(str(tmp_path / "out"), PROJECT, TARGET, wheels, [], sbom=document)
    r = AuthRepo().add_bundle(path)
    keys = SigningKeys(str(tmp_path / "keys")).enable(1)
    r.publish_signed_set(keys, str(tmp_path / "signed"))
    transport = HostTransport(r)
    transport.keys = keys
    return r, keys, transport, document


def run(transport, *args, stdin=TOKEN + "\n"):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--index", SIMPLE, "--signing-key", SIGNING_KEY, "--target", TARGET, *args],
                stdin=io.StringIO(stdin), stdout=out, stderr=err, transport=transport)
    return code, out.getvalue(), err.getvalue()


def test_prints_the_sbom_of_the_bundle_the_verified_signed_set_names(repo):
    r, keys, transport, document = repo
    code, out, err = run(transport)
    assert code == 0, err
    assert out.encode() == document
    assert {c["name"] for c in json.loads(out)["components"]} == {"jaraco-context", "keyring", "keyrings-google-artifactregistry-auth", "pip", "virtualenv"}
    # the token went to Artifact Registry and KMS only, never into the output
    assert TOKEN not in out + err
    for method, url, headers, _ in transport.requests:
        assert url.startswith(SIMPLE.split("/simple/")[0]) or url.startswith(KMS)


def test_a_forged_signed_set_is_not_believed(repo, tmp_path):
    r, keys, transport, _ = repo
    r.projects.pop("pip-airlock-signed-set")
    r.publish_signed_set(keys, str(tmp_path / "forged"), signer=7)
    code, out, err = run(transport)
    assert code == 1 and out == ""
    assert "no signed set in the auth repo verifies" in err


def test_no_token_on_stdin_is_refused(repo):
    code, out, err = run(repo[2], stdin="")
    assert code == 2 and "gcloud auth print-access-token | python3 agent sbom" in err


def test_a_target_the_signed_set_does_not_name(repo):
    code, out, err = run(repo[2], "--target", "3.13.5:aarch64:2.41")
    assert code == 1 and "names no bundle for 3.13.5:aarch64:2.41" in err
