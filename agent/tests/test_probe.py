"""The bootstrap's root probe and the user probe's choices."""
import pytest

from fakes import FakeClock, FakeRunner, FakeTransport, logger
from pip_airlock_agent.ar import ArtifactRegistry
from pip_airlock_agent.errors import LocalError, Rejected, Unreachable
from pip_airlock_agent.http import Response
from pip_airlock_agent.probe import probe_index, user_index_url
from pip_airlock_agent.runner import Completed
from pip_airlock_agent.settings import Settings

HOST = "us-central1-python.pkg.dev"


def settings(index_repo="private", upload_repo="private"):
    return Settings("bootstrap", {
        "AR_HOST": HOST, "INDEX_URL": f"https://oauth2accesstoken@{HOST}/p/{index_repo}/simple/",
        "UPLOAD_REPO_URL": f"https://{HOST}/p/{upload_repo}/", "AUTH_REPO_INDEX_URL": f"https://{HOST}/p/auth/simple/",
        "PACKAGES": ["keyring", "keyrings.google-artifactregistry-auth"]})


class Ctx:
    def __init__(self, routes, keyring_output="pw-from-keyring\n", keyring_rc=0):
        self.clock = FakeClock()
        self.log, self.out = logger(clock=self.clock)
        self.transport = FakeTransport(routes)
        self.ar = ArtifactRegistry(HOST, lambda: "unused", self.transport, self.clock)
        self.runner = FakeRunner(lambda argv, kw: Completed(argv, keyring_rc, keyring_output))

    def run(self, argv, **kw):
        return self.runner.run(argv, **kw)


PAGE = f"https://{HOST}/p/private/simple/keyring/"


@pytest.mark.parametrize("status, outcome", [(200, None), (404, None), (401, Rejected), (403, Rejected), (429, Unreachable), (503, Unreachable)])
def test_probe_index_outcomes(status, outcome):
    ctx = Ctx({PAGE: Response(status, {}, b"")})
    if outcome:
        with pytest.raises(outcome):
            probe_index(settings(), ctx, "/nonexistent")
    else:
        probe_index(settings(), ctx, "/nonexistent")
        assert "credentials accepted" in ctx.out.getvalue()
    # the password keyring gave is what went to the index's host, and the keyring CLI got it from argv-free stdin/out
    assert ctx.transport.requests[0][1] == PAGE
    assert ctx.runner.calls[0][0] == ["/usr/local/bin/keyring", "get", f"https://{HOST}/p/private/simple/", "oauth2accesstoken"]
    assert "pw-from-keyring" not in ctx.out.getvalue()


def test_a_broken_keyring_cli_is_a_local_fault_not_stale():
    ctx = Ctx({}, keyring_output="Traceback: ModuleNotFoundError", keyring_rc=1)
    with pytest.raises(LocalError):
        probe_index(settings(), ctx, "/nonexistent")
    assert ctx.transport.requests == []


def test_the_user_probe_goes_through_a_virtual_index_else_the_auth_repo():
    assert user_index_url(settings("pip-all", "private")) == f"https://oauth2accesstoken@{HOST}/p/pip-all/simple/"
    assert user_index_url(settings("private", "private")) == f"https://oauth2accesstoken@{HOST}/p/auth/simple/"
