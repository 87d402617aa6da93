"""pairing: the pip / keyring / virtualenv pairing of each target, decided on the downloaded wheels: what a virtualenv
wheel seeds (read as data from its seed directory, in each layout virtualenv has had), every rule, the step `policy`
refusing a closure that breaks one (nothing uploaded or signed), and this machine's real virtualenv wheel."""
from __future__ import annotations

import glob
import os
import zipfile

import pytest

from pip_airlock_agent import pairing
from pip_airlock_agent.errors import PolicyRefused
from pip_airlock_agent.pairing import Unreadable, seeded_pip, version_key
from test_mirror import Host, raw_settings
from test_policy import World
from wheels import SEEDS, bundle_support_source, real_shaped_virtualenv, virtualenv_wheel, wheel_bytes

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only

T311 = "3.11.2:x86_64"


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def venv(tmp_path, version: str, data: bytes = None) -> str:
    return write(tmp_path, f"virtualenv-{version}-py3-none-any.whl", data if data is not None else real_shaped_virtualenv(version))


def closure(tmp_path, keyring="25.7.0", pip="26.2.1", virtualenv="21.14.1", venv_data=None):
    """A target's downloaded wheels: a keyring, a pip, a virtualenv (real-shaped) and a dependency."""
    paths = [write(tmp_path, "jaraco.classes-3.4.0-py3-none-any.whl", b"x")]
    if keyring:
        paths.append(write(tmp_path, f"keyring-{keyring}-py3-none-any.whl", b"x"))
    if pip:
        paths.append(write(tmp_path, f"pip-{pip}-py3-none-any.whl", b"x"))
    if virtualenv:
        paths.append(venv(tmp_path, virtualenv, venv_data))
    return paths


def check(tmp_path, python="3.11.2", label=T311, **kwargs):
    return pairing.check(label, python, closure(tmp_path, **kwargs))


# --- what a virtualenv wheel seeds --------------------------------------------------------------------------
@pytest.mark.parametrize("version, python, pip", [
    # 21.5.1 on (21.14.1, 21.7.0): the CPython's entry; MAX's above MAX; none below the oldest key
    ("21.14.1", "3.9", "26.0.1"), ("21.14.1", "3.11", "26.2.1"), ("21.14.1", "3.16", "26.2.1"), ("21.14.1", "3.17", "26.2.1"),
    ("21.14.1", "3.8", None), ("21.7.0", "3.12", "26.1.2"), ("21.7.0", "3.9", "26.0.1"),
    # up to 21.5.0: BUNDLE_SUPPORT[MAX] for a CPython it lacks, MAX the OLDEST key from 20.22.0 to 21.3.1
    ("20.31.2", "3.8", "25.0.1"), ("20.31.2", "3.11", "25.1.1"), ("20.31.2", "3.16", "25.0.1"),
    # keys in descending order, MAX a literal, get_embed_wheel on one line (20.0.24 to 20.21.x)
    ("20.21.0", "3.11", "23.0.1"), ("20.21.0", "3.13", "23.0.1"),
    # before 20.0.24: seed/embed/wheels/, acquire.py's get_bundled_wheel picks
    ("20.0.10", "3.9", "20.0.2"), ("20.0.10", "3.11", "20.0.2"),
])
def test_reads_what_each_layout_seeds(tmp_path, version, python, pip):
    assert seeded_pip(venv(tmp_path, version), python) == pip


def test_max_as_the_newest_key_with_the_fallback_lookup(tmp_path):
    # 21.3.2 to 21.5.0: MAX = next(reversed(BUNDLE_SUPPORT)), a CPython it lacks gets MAX's pip, older or newer
    data = virtualenv_wheel("21.3.2", {"3.8": "25.0.1", "3.9": "26.0.1", "3.10": "26.1.1"}, "fallback")
    path = venv(tmp_path, "21.3.2", data)
    assert [seeded_pip(path, p) for p in ("3.7", "3.9", "3.10", "3.17")] == ["26.1.1", "26.0.1", "26.1.1", "26.1.1"]


def test_a_cpython_it_names_without_a_pip_gets_none(tmp_path):
    path = venv(tmp_path, "30.0.0", virtualenv_wheel("30.0.0", {"3.10": None, "3.11": "26.2.1"}))
    assert seeded_pip(path, "3.10") is None and seeded_pip(path, "3.11") == "26.2.1"


def test_reads_the_module_as_data_and_never_runs_it(tmp_path):
    marker = tmp_path / "ran"
    init = (f"open({str(marker)!r}, 'w').close()\nraise SystemExit('imported')\n"
            + bundle_support_source({"3.9": "26.0.1", "3.11": "26.2.1"}))
    path = venv(tmp_path, "30.0.0", virtualenv_wheel("30.0.0", {"3.9": "26.0.1", "3.11": "26.2.1"}, init=init))
    assert seeded_pip(path, "3.11") == "26.2.1"
    assert not marker.exists()


@pytest.mark.parametrize("what, data, python, message", [
    ("no seed directory", wheel_bytes("virtualenv", "30.0.0"), "3.11",
     "it has neither virtualenv/seed/wheels/embed/__init__.py nor virtualenv/seed/embed/wheels/__init__.py"),
    ("not a zip", b"not a wheel", "3.11", "it is not a readable wheel"),
    ("a syntax error", virtualenv_wheel("30.0.0", {}, init="BUNDLE_SUPPORT = {\n"), "3.11", "__init__.py does not parse"),
    ("no BUNDLE_SUPPORT", virtualenv_wheel("30.0.0", {}, init="SUPPORT = {}\n"), "3.11", "assigns no BUNDLE_SUPPORT"),
    ("a computed BUNDLE_SUPPORT", virtualenv_wheel("30.0.0", {}, init="BUNDLE_SUPPORT = load()\n"), "3.11", "assigns BUNDLE_SUPPORT no literal"),
    ("keys that are no CPython", virtualenv_wheel("30.0.0", {}, init="BUNDLE_SUPPORT = {'py311': {}}\n"), "3.11",
     "BUNDLE_SUPPORT is not a mapping of CPython versions"),
    ("a pip wheel its seed directory lacks", virtualenv_wheel("30.0.0", {"3.11": "26.2.1"}, embedded=[]), "3.11",
     "BUNDLE_SUPPORT names pip-26.2.1-py3-none-any.whl for CPython 3.11, which virtualenv/seed/wheels/embed/ lacks"),
    ("a lookup this agent does not know, for a CPython it lacks", virtualenv_wheel("30.0.0", {"3.11": "26.2.1"}, "custom"), "3.12",
     "BUNDLE_SUPPORT lacks CPython 3.12, and what its get_embed_wheel takes then is not known here"),
    ("a MAX that is no key", virtualenv_wheel("30.0.0", {"3.11": "26.2.1"}, "fallback", '"3.7"'), "3.12", "its virtualenv/seed/wheels/embed/__init__.py's MAX is no key"),
])
def test_a_wheel_that_does_not_say_is_unreadable(tmp_path, what, data, python, message):
    with pytest.raises(Unreadable, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        seeded_pip(venv(tmp_path, "30.0.0", data), python)


def test_a_lookup_it_does_not_know_still_reads_a_cpython_it_names(tmp_path):
    # every get_embed_wheel virtualenv has had takes the CPython's own entry when BUNDLE_SUPPORT has one
    assert seeded_pip(venv(tmp_path, "30.0.0", virtualenv_wheel("30.0.0", {"3.11": "26.2.1"}, "custom")), "3.11") == "26.2.1"


def test_versions_sort_as_pep_440_does():
    ordered = ["1.0.dev0", "1.0a1.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1.dev0", "1.0.post1", "1.0.1", "1.1", "2", "1!0.1"]
    assert sorted(reversed(ordered), key=version_key) == ordered
    assert version_key("25.2") == version_key("25.2.0") == version_key("25.2.0+local")
    assert version_key("26.2c1") == version_key("26.2rc1") and version_key("not a version") is None


# --- the rules ------------------------------------------------------------------------------------------------
def test_a_good_pairing_is_one_decision_line(tmp_path):
    p = check(tmp_path)
    assert p.refusals == []
    assert p.decision() == "pairing 3.11.2:x86_64: pip 26.2.1 (virtualenv 21.14.1 seeds 26.2.1 for 3.11) with keyring 25.7.0: ok"
    assert p.as_dict() == {"python": "3.11", "keyring": ["25.7.0"], "pip": ["26.2.1"], "virtualenv": "21.14.1", "seeded_pip": "26.2.1",
                           "decision": p.decision(), "refusals": []}


def test_the_bootstrap_pip_in_creds_mode_needs_keyring_25_2_1(tmp_path):
    p = check(tmp_path, keyring="24.3.1", pip="26.2.1", virtualenv="21.7.0")  # virtualenv 21.7.0 seeds 26.1.2: only the bootstrap pip
    assert p.refusals == [
        "3.11.2:x86_64 (CPython 3.11): the bootstrap pip 26.2.1 is one users run, which asks keyring in creds mode and refuses a keyring "
        "CLI older than 25.2.1 (\"Keyring util is outdated\", pypa/pip#14150), but keyring 24.3.1 would be served: mirror a keyring >= "
        "25.2.1 (e.g. \"keyring>=25.2.1,!=25.4.0\"), or cap mirror.bootstrapPip below 26.2 (\"pip>=23.1,<26.2\", or pin such a pip in the lock)"]
    assert p.decision() == "pairing 3.11.2:x86_64: pip 26.2.1 (virtualenv 21.7.0 seeds 26.1.2 for 3.11) with keyring 24.3.1: refused"


def test_the_seeded_pip_in_creds_mode_needs_keyring_25_2_1(tmp_path):
    p = check(tmp_path, keyring="24.3.1", pip="26.0.1", virtualenv="21.14.1")
    assert p.refusals == [
        "3.11.2:x86_64 (CPython 3.11): virtualenv 21.14.1 seeds new venvs with pip 26.2.1, which asks keyring in creds mode and refuses a "
        "keyring CLI older than 25.2.1 (\"Keyring util is outdated\", pypa/pip#14150), but keyring 24.3.1 would be served: mirror a "
        "keyring >= 25.2.1 (e.g. \"keyring>=25.2.1,!=25.4.0\"), or pin virtualenv to one that seeds a pip older than 26.2 "
        "(\"virtualenv<=21.7.0\" seeds 26.1.2 at most)"]
    # the same closure on CPython 3.9: virtualenv 21.14.1 seeds pip 26.0.1 there
    on39 = pairing.check("3.9.2:x86_64", "3.9.2", closure(tmp_path, keyring="24.3.1", pip="26.0.1", virtualenv="21.14.1"))
    assert on39.refusals == []
    assert on39.decision() == "pairing 3.9.2:x86_64: pip 26.0.1 (virtualenv 21.14.1 seeds 26.0.1 for 3.9) with keyring 24.3.1: ok"


def test_both_pips_in_creds_mode_are_both_named(tmp_path):
    p = check(tmp_path, keyring="25.1.0", pip="26.2.1", virtualenv="21.14.1")
    assert [r.split(": ")[1].split(",")[0] for r in p.refusals] == ["the bootstrap pip 26.2.1 is one users run", "virtualenv 21.14.1 seeds new venvs with pip 26.2.1"]


@pytest.mark.parametrize("keyring, pip, ok", [
    ("25.2.1", "26.2.1", True), ("25.2.0.post1", "26.2.1", False), ("25.2.1rc1", "26.2.1", False), ("25.2.1", "26.2", True),
    ("24.3.1", "26.1.2", True),  # no creds mode below 26.2
    ("24.3.1", "26.2rc1", False), ("24.3.1", "26.2.dev0", False),  # a pre-release of 26.2 is taken to ask in creds mode
    ("24.3.1", "27.0", False),
])
def test_the_creds_mode_boundaries(tmp_path, keyring, pip, ok):
    assert (check(tmp_path, keyring=keyring, pip=pip, virtualenv="21.7.0").refusals == []) == ok


@pytest.mark.parametrize("keyring, why", [("25.2.0", "crashes in creds mode (jaraco/keyring#681, fixed in 25.2.1)"),
                                          ("25.4.0", "crashes on a plain `keyring get` (jaraco/keyring#694, fixed in 25.4.1)"),
                                          ("25.4", "crashes on a plain `keyring get`")])
def test_a_broken_keyring_cli_is_never_served(tmp_path, keyring, why):
    p = check(tmp_path, keyring=keyring, pip="26.1.2", virtualenv="21.7.0")  # no creds mode anywhere: broken alone refuses
    assert len(p.refusals) == 1
    assert p.refusals[0].startswith(f"3.11.2:x86_64 (CPython 3.11): keyring {keyring} would be served, whose CLI {why}")
    assert p.refusals[0].endswith(": mirror another keyring (\"keyring!=25.2.0,!=25.4.0\" in mirror.packages, or a lock pinning a good one, "
                                  "e.g. \"keyring>=25.2.1,!=25.4.0\")")


@pytest.mark.parametrize("keyring", ["25.4.1", "25.4.0.post1", "25.3.0", "25.7.0"])
def test_the_fixed_keyrings_are_served(tmp_path, keyring):
    assert check(tmp_path, keyring=keyring).refusals == []


def test_keyring_provider_needs_pip_23_1_from_the_bootstrap(tmp_path):
    p = check(tmp_path, keyring="24.3.1", pip="23.0.1", virtualenv="21.7.0")
    assert p.refusals == ["3.11.2:x86_64 (CPython 3.11): pip 23.0.1 would be mirrored for bare hosts, but keyring-provider = subprocess "
                          "needs pip >= 23.1: set mirror.bootstrapPip to \"pip>=23.1\" (or pin such a pip in the lock)"]
    assert check(tmp_path, keyring="24.3.1", pip="23.1", virtualenv="21.7.0").refusals == []
    assert check(tmp_path, keyring="24.3.1", pip="23.1b1", virtualenv="21.7.0").refusals != []


@pytest.mark.parametrize("version, seeded", [("20.21.0", "23.0.1"), ("20.0.10", "20.0.2")])
def test_keyring_provider_needs_pip_23_1_from_the_seed(tmp_path, version, seeded):
    p = check(tmp_path, keyring="25.7.0", pip="26.2.1", virtualenv=version)
    assert p.refusals == [f"3.11.2:x86_64 (CPython 3.11): virtualenv {version} seeds new venvs with pip {seeded}, but keyring-provider = "
                          "subprocess needs pip >= 23.1: mirror a newer virtualenv (\"virtualenv>=20.21.1\" seeds pip >= 23.1)"]


def test_a_virtualenv_that_seeds_no_pip_for_the_target_is_refused(tmp_path):
    p = pairing.check("3.8.10:x86_64", "3.8.10", closure(tmp_path))
    assert p.refusals == ["3.8.10:x86_64 (CPython 3.8): virtualenv 21.14.1 seeds no pip for CPython 3.8 (it refuses to create such venvs): "
                          "mirror a virtualenv that supports CPython 3.8"]
    assert p.decision() == "pairing 3.8.10:x86_64: pip 26.2.1 (virtualenv 21.14.1 seeds no pip for 3.8) with keyring 25.7.0: refused"


def test_a_virtualenv_that_does_not_say_is_refused(tmp_path):
    p = check(tmp_path, virtualenv="30.0.0", venv_data=wheel_bytes("virtualenv", "30.0.0"))
    assert p.refusals == ["3.11.2:x86_64 (CPython 3.11): cannot tell which pip virtualenv 30.0.0 seeds new venvs with: it has neither "
                          "virtualenv/seed/wheels/embed/__init__.py nor virtualenv/seed/embed/wheels/__init__.py. Pin virtualenv to a "
                          "release whose wheel says it in virtualenv/seed/wheels/embed/__init__.py (e.g. \"virtualenv==21.7.0\")"]
    assert p.decision().endswith("(virtualenv 30.0.0 seeds an unknown pip for 3.11) with keyring 25.7.0: refused")


@pytest.mark.parametrize("missing, message", [
    ("keyring", "the closure holds no keyring wheel"), ("pip", "the closure holds no pip wheel"),
    ("virtualenv", "the closure holds no virtualenv wheel")])
def test_a_closure_without_one_of_the_three_is_refused(tmp_path, missing, message):
    p = check(tmp_path, **{missing: None})
    assert any(message in r for r in p.refusals)
    assert p.decision().endswith(": refused")


# --- the step `policy` ----------------------------------------------------------------------------------------
def test_the_policy_step_refuses_a_bad_pairing_with_every_other_check_off(tmp_path):
    w = World(tmp_path, min_release_age_days=0, vulnerabilities="off", provenance="off")
    w.closures = {"3.11.2:x86_64:manylinux_2_17_x86_64": ["keyring-24.3.1-py3-none-any.whl", "pip-26.0.1-py3-none-any.whl",
                                                          "virtualenv-21.14.1-py3-none-any.whl"],
                  "3.9.2:aarch64:manylinux_2_17_aarch64": ["keyring-24.3.1-py3-none-any.whl", "pip-26.0.1-py3-none-any.whl",
                                                           "virtualenv-21.14.1-py3-none-any.whl"]}
    with pytest.raises(PolicyRefused) as err:
        w.check()
    assert "3.11.2:x86_64 (CPython 3.11): virtualenv 21.14.1 seeds new venvs with pip 26.2.1" in str(err.value)
    assert "3.9.2" not in str(err.value)
    attr = w.attr()
    assert attr[3:5] == ["pairing 3.11.2:x86_64: pip 26.0.1 (virtualenv 21.14.1 seeds 26.2.1 for 3.11) with keyring 24.3.1: refused",
                         "pairing 3.9.2:aarch64: pip 26.0.1 (virtualenv 21.14.1 seeds 26.0.1 for 3.9) with keyring 24.3.1: ok"]
    assert attr[5].startswith("refused: 3.11.2:x86_64 (CPython 3.11): virtualenv 21.14.1 seeds") and len(attr) == 6
    report = w.policy.report
    assert report.pairing["3.11.2:x86_64"]["seeded_pip"] == "26.2.1" and len(report.pairing["3.11.2:x86_64"]["refusals"]) == 1
    assert report.refusals == report.pairing["3.11.2:x86_64"]["refusals"]
    assert f"[start] policy: {attr[3]}" in w.lines


def test_the_mirror_uploads_and_signs_nothing_of_a_refused_pairing(tmp_path):
    h = Host(tmp_path, raw_settings())  # the POLICY checks off: the pairing is always on
    for python in h.closures:
        h.closures[python] = [n.replace("keyring-25.6.0", "keyring-24.3.1").replace("pip-25.0", "pip-26.2.1") for n in h.closures[python]]
    with pytest.raises(PolicyRefused, match="the bootstrap pip 26.2.1 is one users run, .* but keyring 24.3.1 would be served"):
        h.run()
    assert h.log.current_step == "policy"
    assert h.calls("twine") == [] and h.repo.uploads == [] and h.kms.signed == []
    assert "manifest" not in dict(h.attrs.published) and "signed-set" not in dict(h.attrs.published)
    policy = dict(h.attrs.published)["policy"].splitlines()
    assert "pairing 3.9.2:aarch64: pip 26.2.1 (virtualenv 20.31.2 seeds 25.1.1 for 3.9) with keyring 24.3.1: refused" in policy
    assert h.clock.sleeps == []  # not retried


# --- this machine's real virtualenv wheel -----------------------------------------------------------------------
REAL = sorted(glob.glob("/opt/pypi/**/virtualenv-*.whl", recursive=True))


@pytest.mark.skipif(not REAL, reason="no virtualenv wheel in the local wheelhouse (/opt/pypi)")
def test_the_real_virtualenv_wheel(tmp_path):
    path = REAL[-1]
    version = os.path.basename(path).split("-")[1]
    with zipfile.ZipFile(path) as zf:
        embedded = {n.rsplit("/", 1)[1].split("-")[1] for n in zf.namelist()
                    if n.startswith(pairing.EMBED_DIRS[0] + "pip-") and n.endswith(".whl")}
    seeds = {python: seeded_pip(path, python) for python in ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.20")}
    assert set(seeds.values()) <= embedded | {None} and seeds["3.11"] in embedded
    if version == "21.14.1":  # the wheel config/pip-facts.ts and SEEDS describe
        assert seeds == {"3.9": "26.0.1", "3.10": "26.2.1", "3.11": "26.2.1", "3.12": "26.2.1", "3.13": "26.2.1", "3.14": "26.2.1",
                         "3.20": "26.2.1"}
        assert SEEDS["21.14.1"] == {p: seeded_pip(path, p) for p in SEEDS["21.14.1"]}  # the tests' real-shaped 21.14.1 is this one
        assert seeded_pip(path, "3.8") is None
    # with the wheelhouse's keyring and pip where it holds them (keyring 25.7.0 and pip 26.2.1: the real closure's)
    paths = [next(iter(glob.glob(f"/opt/pypi/**/{n}", recursive=True)), None) or write(tmp_path, n, b"x")
             for n in ("keyring-25.7.0-py3-none-any.whl", "pip-26.2.1-py3-none-any.whl")] + [path]
    p = pairing.check("3.11.2:x86_64", "3.11.2", paths)
    assert p.decision() == f"pairing 3.11.2:x86_64: pip 26.2.1 (virtualenv {version} seeds {seeds['3.11']} for 3.11) with keyring 25.7.0: ok"
