"""The keyring venv: created, cleared and rebuilt only when it carries pip-airlock's marker (a venv an earlier
release made is recognised by the keyring link and adopted), any other directory left exactly as it was; and
the settings refuse every venv path that is not pip-airlock's own."""
from __future__ import annotations

import copy
import os
import types

import pytest

from bootstrap_fakes import ROOT_ONLY, RUNNING_MINOR, HostRunner, raw_settings
from fakes import logger
from pip_airlock_agent import keyring_venv
from pip_airlock_agent.errors import LocalError, SettingsError
from pip_airlock_agent.keyring_venv import BUNDLE_RECORD, MARKER, KeyringVenv
from pip_airlock_agent.pipconf import HEADER
from pip_airlock_agent.settings import parse


@pytest.fixture
def place(tmp_path, monkeypatch):
    """(venv path, keyring link path, runner, log stream, make()) with the keyring link moved below tmp_path."""
    link = tmp_path / "usr" / "local" / "bin" / "keyring"
    link.parent.mkdir(parents=True)
    monkeypatch.setattr(keyring_venv, "KEYRING_LINK", str(link))
    path = str(tmp_path / "opt" / "pip-airlock" / "keyring")
    runner = HostRunner(path)
    log, out = logger()

    def make():
        return KeyringVenv(path, runner, log, HEADER)
    return types.SimpleNamespace(path=path, link=str(link), runner=runner, out=out, make=make)


def snapshot(root):
    """Every entry below root: its kind, mode, mtime and content (or link target)."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(directory, name)
            st = os.lstat(full)
            if os.path.islink(full):
                found[full] = ("link", os.readlink(full))
            elif os.path.isdir(full):
                found[full] = ("dir", st.st_mode, st.st_mtime_ns)
            else:
                with open(full, "rb") as fh:
                    found[full] = ("file", st.st_mode, st.st_mtime_ns, fh.read())
    return found


def write(path, text="x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def venv_calls(runner):
    return [argv for argv, _ in runner.calls if "venv" in argv]


# --- creation -------------------------------------------------------------------------------------------------
@ROOT_ONLY
def test_a_first_boot_writes_the_marker_before_the_venv(place):
    seen = []
    place.runner.override = lambda argv, kw: seen.append(os.path.isfile(os.path.join(place.path, MARKER))) if "venv" in argv else None
    assert place.make().ensure("/usr/bin/python3") is True
    assert seen == [True]  # the marker was there when `python3 -m venv` ran
    assert venv_calls(place.runner) == [["/usr/bin/python3", "-I", "-m", "venv", "--without-pip", place.path]]
    with open(os.path.join(place.path, MARKER)) as fh:
        assert fh.read() == HEADER + "\n"
    assert f"creating the venv {place.path} for python {RUNNING_MINOR}\n" in place.out.getvalue()


class PowerCut(Exception):
    pass


@ROOT_ONLY
def test_a_boot_cut_before_the_marker_leaves_no_unmarked_directory_and_the_next_boot_builds_the_venv(place, monkeypatch):
    real_write = keyring_venv.write_atomic

    def cut(path, content, mode):
        raise PowerCut(path)
    monkeypatch.setattr(keyring_venv, "write_atomic", cut)
    with pytest.raises(PowerCut):
        place.make().ensure("/usr/bin/python3")
    assert not os.path.lexists(place.path)  # what a cut leaves: the staging directory, empty
    assert os.listdir(place.path + keyring_venv.STAGING_SUFFIX) == []
    monkeypatch.setattr(keyring_venv, "write_atomic", real_write)
    assert place.make().ensure("/usr/bin/python3") is True
    assert os.path.isfile(os.path.join(place.path, MARKER))
    assert not os.path.lexists(place.path + keyring_venv.STAGING_SUFFIX)


@ROOT_ONLY
@pytest.mark.parametrize("case", ["a file in it", "a file", "a link"])
def test_a_staging_path_holding_anything_else_is_left_untouched_and_the_step_fails(place, case, tmp_path):
    staging = place.path + keyring_venv.STAGING_SUFFIX
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if case == "a file in it":
        write(os.path.join(staging, "data"))
    elif case == "a file":
        write(staging)
    else:
        os.makedirs(os.path.dirname(staging), exist_ok=True)
        os.symlink(str(elsewhere), staging)
    before = snapshot(os.path.dirname(staging))
    with pytest.raises(LocalError, match="is not what pip-airlock leaves there: left untouched"):
        place.make().ensure("/usr/bin/python3")
    assert snapshot(os.path.dirname(staging)) == before
    assert not os.path.lexists(place.path)


@ROOT_ONLY
def test_a_venv_in_place_is_kept(place):
    place.make().ensure("/usr/bin/python3")
    place.runner.calls.clear()
    assert place.make().ensure("/usr/bin/python3") is False
    assert venv_calls(place.runner) == []
    assert f"venv {place.path} (python {RUNNING_MINOR}) is in place" in place.out.getvalue()


@ROOT_ONLY
def test_a_venv_it_created_is_rebuilt_for_another_python(place, monkeypatch):
    place.make().ensure("/usr/bin/python3")
    write(os.path.join(place.path, "lib", "python" + RUNNING_MINOR, "site-packages", "stale.py"))
    write(os.path.join(place.path, BUNDLE_RECORD), "old-bundle.whl abc\n")
    write(os.path.join(place.path, MARKER), "an older marker\n")
    os.symlink("/etc", os.path.join(place.path, "link-to-etc"))
    monkeypatch.setattr(keyring_venv, "platform", types.SimpleNamespace(python_version_tuple=lambda: ("3", "99", "0")))
    assert place.make().ensure("/usr/bin/python3.99") is True
    assert f"creating the venv {place.path} for python 3.99 (was {RUNNING_MINOR})" in place.out.getvalue()
    assert sorted(os.listdir(place.path)) == [MARKER, "bin", "pyvenv.cfg"]  # stale files, the bundle record, the link: gone
    assert os.path.isdir("/etc")  # the link was removed, not followed
    with open(os.path.join(place.path, MARKER)) as fh:
        text = fh.read()
    assert text.startswith("# Written by pip-airlock") and text == HEADER + "\n"
    assert venv_calls(place.runner)[-1] == ["/usr/bin/python3.99", "-I", "-m", "venv", "--without-pip", place.path]


# --- whose directory ----------------------------------------------------------------------------------------
def foreign(place, pyvenv=True):
    write(os.path.join(place.path, "bin", "python"), "#!/bin/sh\n")
    write(os.path.join(place.path, "lib", "data.txt"), "someone's data")
    if pyvenv:
        write(os.path.join(place.path, "pyvenv.cfg"), "home = /usr/bin\n")
    os.symlink("/etc/passwd", os.path.join(place.path, "passwd"))


@pytest.mark.parametrize("case", ["plain dir", "venv, no keyring link", "venv, keyring link elsewhere", "marker is a link",
                                  "a file"])
def test_a_directory_it_did_not_create_is_left_untouched_and_the_step_fails(place, case, tmp_path):
    if case == "a file":
        write(place.path, "not a directory")
    else:
        foreign(place, pyvenv=case != "plain dir")
    if case == "venv, keyring link elsewhere":
        os.symlink("/opt/other/bin/keyring", place.link)
    if case == "marker is a link":
        write(str(tmp_path / "elsewhere-marker"), HEADER)
        os.symlink(str(tmp_path / "elsewhere-marker"), os.path.join(place.path, MARKER))
    before = snapshot(str(tmp_path / "opt"))
    with pytest.raises(LocalError) as caught:
        place.make().ensure("/usr/bin/python3")
    assert str(caught.value).startswith(f"{place.path} exists but pip-airlock did not create it (no {MARKER}): left untouched")
    assert snapshot(str(tmp_path / "opt")) == before
    assert place.runner.calls == []


def test_a_venv_an_earlier_pip_airlock_made_is_adopted(place, tmp_path):
    """No marker yet, but the keyring link on PATH (which only the bootstrap makes) leads into it."""
    foreign(place)
    write(os.path.join(place.path, "bin", "keyring"), "#!/bin/sh\n")
    os.symlink(os.path.join(place.path, "bin", "keyring"), place.link)
    before = snapshot(place.path)
    assert place.make().ensure("/usr/bin/python3") is False  # same python: kept as it is
    assert f"adopted {place.path}, made by an earlier pip-airlock ({place.link} leads into it): marked it" in place.out.getvalue()
    after = snapshot(place.path)
    marker = os.path.join(place.path, MARKER)
    assert after.pop(marker)[3] == (HEADER + "\n").encode()
    assert after == before
    assert venv_calls(place.runner) == []


# --- the settings refuse a venv path that is not pip-airlock's -----------------------------------------------
HOSTILE = [
    "/", "/usr", "/usr/local", "/usr/lib/python3", "/etc", "/etc/pip-airlock", "/opt", "/opt/pip-airlock", "/opt/other/keyring",
    "/var", "/var/lib", "/var/lib/dpkg", "/var/lib/apt/lists/x", "/var/lib/rpm/x", "/var/lib/pip-airlock",
    "/var/lib/pip-airlock/mirror-work", "/var/lib/pip-airlock/mirror-work/venv", "/var/lib/pip-airlock/guest-attribute-writes",
    "/root/venv", "/home/alice/venv", "/tmp/keyring", "/var/tmp/keyring", "/run/keyring", "/dev/shm/keyring", "/proc/self", "/boot/efi/x",
    "/opt/pip-airlock/../../etc", "/opt/pip-airlock/../pip-airlock", "/opt/pip-airlock/keyring/../..", "/../opt/pip-airlock/keyring/../../..",
    "relative/keyring", "/opt/pip-airlock/key ring", "/opt/pip-airlock/$(reboot)", "/opt/pip-airlock/`id`", "/opt/pip-airlock/x;rm -rf /", "",
    # the synth normalizes these; a script carrying them was edited
    "/opt/pip-airlock//keyring/", "/opt/pip-airlock/./venvs/../keyring",
]


@pytest.mark.parametrize("venv_dir", HOSTILE)
def test_a_hostile_venv_dir_is_refused_by_the_settings(venv_dir):
    raw = copy.deepcopy(raw_settings("bootstrap"))
    raw["VENV_DIR"] = venv_dir
    with pytest.raises(SettingsError) as caught:
        parse(raw, "bootstrap")
    message = str(caught.value)
    assert message.startswith("VENV_DIR") and " must " in message, message


@pytest.mark.parametrize("venv_dir", ["/opt/pip-airlock/keyring", "/var/lib/pip-airlock/venvs/keyring"])
def test_what_the_synth_renders_is_accepted(venv_dir):
    raw = copy.deepcopy(raw_settings("bootstrap"))
    raw["VENV_DIR"] = venv_dir
    if os.path.realpath(venv_dir) != venv_dir:
        pytest.skip(f"this machine has a link on the way to {venv_dir}")
    assert parse(raw, "bootstrap").venv_dir == venv_dir


def test_a_venv_dir_a_link_leads_elsewhere_is_refused_naming_where(tmp_path):
    raw = copy.deepcopy(raw_settings("bootstrap"))
    (tmp_path / "owned").mkdir()
    (tmp_path / "etc").mkdir()
    os.symlink(str(tmp_path / "etc"), str(tmp_path / "owned" / "link"))
    raw["OWNED_ROOTS"] = [str(tmp_path / "owned")]
    raw["VENV_DIR"] = str(tmp_path / "owned" / "link" / "keyring")
    with pytest.raises(SettingsError) as caught:
        parse(raw, "bootstrap")
    assert str(caught.value).endswith(f"a symbolic link on the way leads to {tmp_path / 'etc' / 'keyring'}")
    raw["VENV_DIR"] = str(tmp_path / "owned" / "keyring")
    assert parse(raw, "bootstrap").venv_dir == raw["VENV_DIR"]
