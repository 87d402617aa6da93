"""The pip shim: plain http:// is never sent (pip would send the index's credentials there in clear)."""
import pytest

try:
    from pip._internal.network import session as session_module

    session_module.PipSession().close()
except Exception as err:  # noqa: BLE001 - an old pip that does not import on this CPython (pkgutil.ImpImporter is gone in 3.12)
    pytest.skip(f"no importable pip here ({err})", allow_module_level=True)

from pip_airlock_agent import pip_retry  # noqa: E402


@pytest.fixture
def patched(monkeypatch):
    monkeypatch.setattr(session_module.PipSession, "request", session_module.PipSession.request)
    sent = []
    monkeypatch.setattr(session_module.PipSession.__mro__[1], "request", lambda self, method, url, *a, **k: sent.append(url) or "sent")
    pip_retry.refuse_plain_http()
    return sent


def test_http_is_refused_before_anything_is_sent(patched):
    from pip._vendor.requests.exceptions import InvalidURL

    session = session_module.PipSession()
    with pytest.raises(InvalidURL, match="refusing plain http://us-central1-python.pkg.dev/p/auth/files/k.whl"):
        session.request("GET", "http://us-central1-python.pkg.dev/p/auth/files/k.whl")
    assert patched == []


def test_https_goes_through(patched):
    session = session_module.PipSession()
    assert session.request("GET", "https://us-central1-python.pkg.dev/p/auth/simple/keyring/") == "sent"
    assert patched == ["https://us-central1-python.pkg.dev/p/auth/simple/keyring/"]
