import pytest

from pip_airlock_agent.ar import IndexFile
from pip_airlock_agent.names import bundle_project, normalize, requirement_project, wheel_project
from pip_airlock_agent.versions import admits, pick_newest


def f(name, requires=None):
    return IndexFile(name, "https://h/" + name, "0" * 64, requires)


PIPS = [f("pip-26.0.1-py3-none-any.whl", ">=3.9"), f("pip-26.2.1-py3-none-any.whl", ">=3.10"),
        f("pip-27.0b1-py3-none-any.whl", ">=3.9"), f("pip-26.3.0.tar.gz")]


@pytest.mark.parametrize("python, expected", [("3.9.18", "pip-26.0.1-py3-none-any.whl"), ("3.11.2", "pip-26.2.1-py3-none-any.whl"),
                                              ("3.14.0", "pip-26.2.1-py3-none-any.whl")])
def test_pip_is_picked_by_requires_python(python, expected):
    assert pick_newest(PIPS, "pip", python).filename == expected


def test_nothing_admitted_is_none():
    assert pick_newest([f("pip-26.2.1-py3-none-any.whl", ">=3.10")], "pip", "3.8.0") is None


@pytest.mark.parametrize("spec, have, ok", [(">=3.9", (3, 9, 0), True), (">=3.9, !=3.9.0, !=3.9.1", (3, 9, 1), False),
                                           ("==3.11.*", (3, 11, 4), True), ("!=3.11.*", (3, 11, 4), False),
                                           ("~=3.9", (3, 12), True), ("~=3.9.1", (3, 10, 0), False), ("<3", (3, 0), False),
                                           (">=3.9;rm", (3, 11), False), ("", (3, 11), True)])
def test_admits(spec, have, ok):
    assert admits(spec, have) is ok


def test_names():
    assert normalize("Keyrings.Google_ArtifactRegistry--Auth") == "keyrings-google-artifactregistry-auth"
    assert wheel_project("keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl") == "keyrings-google-artifactregistry-auth"
    assert requirement_project("keyring[completion]>=25.6 ; python_version>'3.8'") == "keyring"
    assert bundle_project("3.11.2:x86_64:2.36") == "pip-airlock-bundle-py3-11-2-x86-64-glibc2-36"
