"""The settings, checked again on the host: an edited script fails at validate with the field named."""
import copy
import json
import os

import pytest

from pip_airlock_agent.errors import SettingsError
from pip_airlock_agent.settings import load, parse

# The example's settings as the synth published them (cdktf.out/stacks/airlock/*.settings.json); a fork
# that deletes the examples keeps these.
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def raw(script):
    with open(os.path.join(FIXTURES, f"{script}.settings.json")) as fh:
        return json.load(fh)


def test_the_synthesized_settings_load():
    b = load(os.path.join(FIXTURES, "bootstrap.settings.json"), "bootstrap")
    assert b.venv_dir == "/opt/pip-airlock/keyring" and b.packages
    m = load(os.path.join(FIXTURES, "mirror.settings.json"), "mirror")
    assert m.stop_when_done is True


@pytest.mark.parametrize("script, key, value, named", [
    ("bootstrap", "PACKAGES", ["keyring\n"], "PACKAGES[0]"),
    ("bootstrap", "PACKAGES", ["keyring>=\n--no-index"], "PACKAGES[0]"),
    ("bootstrap", "PACKAGES", ["keyring\u2028"], "PACKAGES[0]"),
    ("bootstrap", "PACKAGES", ["keyring\u2029"], "PACKAGES[0]"),
    ("bootstrap", "PACKAGES", ["keyring\u0085"], "PACKAGES[0]"),
    ("bootstrap", "PACKAGES", ["keyring\t>=1"], "PACKAGES[0]"),
    ("bootstrap", "PACKAGES", ["--index-url=https://evil.example/"], "PACKAGES[0]"),
    ("bootstrap", "PACKAGES", [], "PACKAGES"),
    ("bootstrap", "BOOTSTRAP_PIP", "pip>=23.1 ; \n", "BOOTSTRAP_PIP"),
    ("bootstrap", "MAX_ATTEMPTS", 0, "MAX_ATTEMPTS"),
    ("bootstrap", "MAX_ATTEMPTS", "8", "MAX_ATTEMPTS"),
    ("bootstrap", "MAX_ATTEMPTS", True, "MAX_ATTEMPTS"),
    ("bootstrap", "AUTH_REPO_INDEX_URL", "http://us-central1-python.pkg.dev/p/r/simple/", "AUTH_REPO_INDEX_URL"),
    ("bootstrap", "AUTH_REPO_INDEX_URL", "https://evil.example/p/r/simple/", "AUTH_REPO_INDEX_URL"),
    ("bootstrap", "INDEX_URL", "https://us-central1-python.pkg.dev/p/r/simple/", "INDEX_URL"),
    ("bootstrap", "INDEX_URL", "https://oauth2accesstoken@us-central1-python.pkg.dev/p/r/simple/\"x", "INDEX_URL"),
    ("bootstrap", "AR_HOST", "evil.example/x", "AR_HOST"),
    ("bootstrap", "VENV_DIR", "/etc", "VENV_DIR"),
    ("bootstrap", "VENV_DIR", "/opt/pip-airlock/../../etc", "VENV_DIR"),
    ("bootstrap", "VENV_DIR", "/var/lib/pip-airlock/mirror-work/x", "VENV_DIR"),
    ("bootstrap", "MIRRORED_TARGETS", ["3.11:x86_64:2.36;rm -rf /"], "MIRRORED_TARGETS[0]"),
    ("bootstrap", "GUEST_ATTR_NAMESPACE", "../x", "GUEST_ATTR_NAMESPACE"),
    ("mirror", "TARGETS", [], "TARGETS"),
    ("mirror", "STOP_WHEN_DONE", "true", "STOP_WHEN_DONE"),
    ("mirror", "LOCK_CONTENT", "keyring==25.6.0 \\\n  --hash=sha256:aa\u2028", "LOCK_CONTENT line 2"),
    ("mirror", "SOURCE_INDEX_URL", "http://pypi.org/simple/", "SOURCE_INDEX_URL"),
    ("mirror", "MIRRORED_TARGETS", ["3.12.1:x86_64:2.36"], "MIRRORED_TARGETS[0]"),
    ("bootstrap", "LOCK_CONTENT", "keyring==25.6.0\n\u0085", "LOCK_CONTENT line 2"),
    ("bootstrap", "LOCK_CONTENT", None, "LOCK_CONTENT"),
    ("bootstrap", "SIGNING_KEY", "projects/p/../../x", "SIGNING_KEY"),
    ("mirror", "SIGNING_KEY", "", "SIGNING_KEY"),
    ("mirror", "SIGNING_KEY", "projects/airlock-example/locations/us-central1/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1", "SIGNING_KEY"),
    ("mirror", "SIGNING_KEY_VERSION", 0, "SIGNING_KEY_VERSION"),
    # the token goes to the KMS endpoint: nowhere but Google's API hosts, over https
    ("bootstrap", "KMS_ENDPOINT", "https://evil.example/v1/", "KMS_ENDPOINT"),
    ("bootstrap", "KMS_ENDPOINT", "http://cloudkms.googleapis.com/v1/", "KMS_ENDPOINT"),
    ("bootstrap", "KMS_ENDPOINT", "https://cloudkms.googleapis.com.evil.example/v1/", "KMS_ENDPOINT"),
    ("bootstrap", "KMS_ENDPOINT", "https://evil.example#.googleapis.com/v1/", "KMS_ENDPOINT"),
    ("mirror", "POLICY", {}, "POLICY: missing"),
    ("mirror", "POLICY", [], "POLICY"),
])
def test_hostile_values_are_refused_naming_the_field(script, key, value, named):
    settings = copy.deepcopy(raw(script))
    settings[key] = value
    with pytest.raises(SettingsError) as caught:
        parse(settings, script)
    assert str(caught.value).startswith(named), str(caught.value)


def test_a_missing_and_an_unknown_setting_are_named():
    settings = raw("bootstrap")
    del settings["VENV_DIR"]
    settings["EXTRA"] = 1
    with pytest.raises(SettingsError, match="missing setting.*VENV_DIR"):
        parse(settings, "bootstrap")
    settings["VENV_DIR"] = "/opt/pip-airlock/keyring"
    with pytest.raises(SettingsError, match="unknown setting.*EXTRA"):
        parse(settings, "bootstrap")


def test_a_venv_dir_reached_through_a_link_is_refused(tmp_path, monkeypatch):
    settings = raw("bootstrap")
    root = tmp_path / "owned"
    (tmp_path / "elsewhere").mkdir()
    root.mkdir()
    os.symlink(tmp_path / "elsewhere", root / "link")
    settings["OWNED_ROOTS"] = [str(root)]
    settings["PRODUCT_STATE_PATHS"] = []
    settings["VENV_DIR"] = str(root / "link" / "venv")
    with pytest.raises(SettingsError, match="symbolic link"):
        parse(settings, "bootstrap")
    settings["VENV_DIR"] = str(root / "venv")
    assert parse(settings, "bootstrap").venv_dir == str(root / "venv")


@pytest.mark.parametrize("key, value, named", [
    ("MIN_RELEASE_AGE_DAYS", -1, "POLICY.MIN_RELEASE_AGE_DAYS"),
    ("VULNERABILITIES", "ignore", "POLICY.VULNERABILITIES"),
    ("WAIVERS", [{"ID": "GHSA-1234-5678-9abc"}], "POLICY.WAIVERS[0]"),
    ("WAIVERS", [{"ID": "GHSA-1234-5678-9abc", "REASON": " "}], "POLICY.WAIVERS[0].REASON"),
    ("WAIVERS", [{"ID": "not an id", "REASON": "x"}], "POLICY.WAIVERS[0].ID"),
    ("PROVENANCE", "enforce", "POLICY.PROVENANCE"),
    ("PUBLISHERS", {"Keyring": "github:jaraco/keyring"}, "POLICY.PUBLISHERS key"),
    ("PUBLISHERS", {"keyring": ""}, "POLICY.PUBLISHERS.keyring"),
    ("OSV_URL", "http://api.osv.dev/v1/querybatch", "POLICY.OSV_URL"),
    ("AGE_EXEMPT", ["Keyring"], "POLICY.AGE_EXEMPT[0]"),
])
def test_hostile_policy_values_are_refused_naming_the_field(key, value, named):
    settings = raw("mirror")
    settings["POLICY"][key] = value
    with pytest.raises(SettingsError) as caught:
        parse(settings, "mirror")
    assert named in str(caught.value)


def test_the_policy_and_the_signing_key_load():
    m = parse(raw("mirror"), "mirror")
    assert m.policy["MIN_RELEASE_AGE_DAYS"] == 7 and m.signing_key_version == 1
    assert m.signing_key.endswith("/cryptoKeys/mirror-signing")
    b = raw("bootstrap")
    b["SIGNING_KEY"] = ""
    b["MIRRORED_TARGETS"] = ["3.11.2:x86_64:2.36"]
    with pytest.raises(SettingsError, match="SIGNING_KEY: empty while MIRRORED_TARGETS"):
        parse(b, "bootstrap")  # a mirror's bundles are installed only when signed
    b["MIRRORED_TARGETS"] = []
    assert parse(b, "bootstrap").signing_key == ""  # remote mode: nothing signed
