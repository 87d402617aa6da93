"""Files root writes: never through a link, never in a directory another user can write."""
import os

import pytest

from fakes import FakeClock, logger
from pip_airlock_agent.errors import LocalError
from pip_airlock_agent.fsutil import RunLock, check_trusted_dir, ensure_root_dir, read_small, write_atomic
from pip_airlock_agent.pipconf import HEADER, config_files, write_if_changed

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown to another user)")


@ROOT_ONLY
def test_a_directory_another_user_owns_is_not_trusted(tmp_path):
    d = tmp_path / "probe"
    d.mkdir(mode=0o700)
    os.chmod(tmp_path, 0o755)
    check_trusted_dir(str(d))
    os.chown(d, 65534, 65534)  # nobody
    with pytest.raises(LocalError, match="other than root"):
        check_trusted_dir(str(d))


def test_a_group_or_world_writable_directory_is_not_trusted(tmp_path):
    d = tmp_path / "w"
    d.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(d, 0o777)
    with pytest.raises(LocalError):
        check_trusted_dir(str(d))


def test_a_link_on_the_way_is_not_trusted(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    with pytest.raises(LocalError, match="symbolic link"):
        check_trusted_dir(str(tmp_path / "link"))
    with pytest.raises(LocalError, match="symbolic link"):
        ensure_root_dir(str(tmp_path / "link"))


def test_write_atomic_replaces_a_link_instead_of_following_it(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("root's")
    os.symlink(victim, tmp_path / "pip.conf")
    write_atomic(str(tmp_path / "pip.conf"), "ours\n", 0o644)
    assert victim.read_text() == "root's"
    assert not os.path.islink(tmp_path / "pip.conf") and (tmp_path / "pip.conf").read_text() == "ours\n"


def test_read_small_does_not_follow_links(tmp_path):
    (tmp_path / "secret").write_text("s3cret")
    os.symlink(tmp_path / "secret", tmp_path / "l")
    assert read_small(str(tmp_path / "l")) is None
    assert read_small(str(tmp_path / "secret")) == "s3cret"


@ROOT_ONLY
def test_config_files_are_written_once_and_an_admins_file_kept(tmp_path):
    os.chmod(tmp_path, 0o755)
    log, out = logger()
    path, mode, content = config_files("https://oauth2accesstoken@h.pkg.dev/p/r/simple/", "https://h.pkg.dev/p/r/")[0]
    root = str(tmp_path)
    os.makedirs(root + "/etc")
    with open(root + path, "w") as fh:
        fh.write("[global]\nindex-url = https://admin.example/\n")
    assert write_if_changed(path, mode, content, log, root=root) is True
    assert open(root + path).read() == content and content.startswith(HEADER)
    assert open(root + path + ".pip-airlock-orig").read().startswith("[global]")
    assert write_if_changed(path, mode, content, log, root=root) is False
    os.chmod(root + path, 0o600)
    assert write_if_changed(path, mode, content, log, root=root) is True
    assert os.stat(root + path).st_mode & 0o777 == 0o644
    assert "unchanged: /etc/pip.conf" in out.getvalue()


def test_a_second_run_waits_for_the_lock_then_says_it_is_running(tmp_path):
    clock = FakeClock()
    first = RunLock(str(tmp_path / "run" / "bootstrap.lock"), clock, 5)
    first.acquire()
    told = []
    second = RunLock(str(tmp_path / "run" / "bootstrap.lock"), clock, 5)
    with pytest.raises(LocalError, match="already running"):
        second.acquire(on_wait=lambda: told.append(1))
    assert told == [1] and sum(clock.sleeps) >= 5
    first.release()
    second.acquire()
    second.release()
