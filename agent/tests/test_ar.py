"""The Artifact Registry client: typed outcomes, and the token going nowhere but https:// on the AR host."""
import base64
import hashlib
import http.server
import os
import socket
import ssl
import subprocess
import threading
import urllib.request

import pytest

from fakes import FakeClock, FakeTransport
from pip_airlock_agent.ar import ArtifactRegistry, IndexFile
from pip_airlock_agent.errors import Rejected, Unreachable, Unverifiable
from pip_airlock_agent.http import Response, Transport, https_context
from openssl_keys import private_key

HOST = "us-central1-python.pkg.dev"
INDEX = f"https://{HOST}/proj/auth/simple/"


def registry(routes, token="secret-token"):
    transport = FakeTransport(routes)
    return ArtifactRegistry(HOST, lambda: token, transport, FakeClock()), transport


def page(*anchors):
    return Response(200, {}, ("<html><body>" + "".join(anchors) + "</body></html>").encode())


@pytest.mark.parametrize("url", [
    f"http://{HOST}/proj/auth/files/x.whl",             # plain http
    "https://evil.example/proj/auth/files/x.whl",       # another host
    f"https://{HOST}.evil.example/x.whl",               # a suffix trick
    f"https://user@{HOST}/x.whl",                        # userinfo
    f"https://{HOST}:8443/x.whl",                        # another port
    f"https://evil.example@{HOST}/x.whl",
    "ftp://" + HOST + "/x.whl",
])
def test_guard_refuses_every_other_origin(url):
    ar, _ = registry({})
    with pytest.raises(Unverifiable):
        ar.guard(url)


@pytest.mark.parametrize("url", [f"https://{HOST}/proj/auth/simple/keyring/", f"https://{HOST}:443/x"])
def test_guard_admits_the_ar_host(url):
    ar, _ = registry({})
    assert ar.guard(url) == url


def test_project_files_parses_pep503_and_normalizes_the_name():
    ar, transport = registry({INDEX + "keyrings-google-artifactregistry-auth/": page(
        '<a href="../../files/keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl#sha256=' + "a" * 64
        + '" data-requires-python="&gt;=3.8">x</a>',
        '<a href="../../files/keyrings_x-1.0.tar.gz">y</a>')})
    files = ar.project_files(INDEX, "keyrings.google_artifactregistry-auth")
    assert files[0] == IndexFile("keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl",
                                 f"https://{HOST}/proj/auth/files/keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl",
                                 "a" * 64, ">=3.8")
    assert files[1].sha256 is None and files[1].requires_python is None
    method, url, headers, _ = transport.requests[0]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"oauth2accesstoken:secret-token").decode()


def test_a_link_to_another_host_is_refused_before_any_request_goes_there():
    ar, transport = registry({INDEX + "keyring/": page('<a href="https://evil.example/keyring-25.6.0-py3-none-any.whl">k</a>')})
    with pytest.raises(Unverifiable):
        ar.project_files(INDEX, "keyring")
    assert [r[1] for r in transport.requests] == [INDEX + "keyring/"]


def test_a_link_to_plain_http_is_refused():
    ar, _ = registry({INDEX + "keyring/": page(f'<a href="http://{HOST}/proj/auth/files/keyring-25.6.0-py3-none-any.whl">k</a>')})
    with pytest.raises(Unverifiable):
        ar.project_files(INDEX, "keyring")


@pytest.mark.parametrize("status, error", [(401, Rejected), (403, Rejected), (429, Unreachable), (500, Unreachable),
                                           (503, Unreachable), (302, Unverifiable)])
def test_status_classes(status, error):
    ar, _ = registry({INDEX + "keyring/": Response(status, {"Retry-After": "7", "Location": "https://evil.example/"}, b"")})
    with pytest.raises(error) as caught:
        ar.project_files(INDEX, "keyring")
    if error is Unreachable and status in (429, 503):
        assert caught.value.retry_after == 7


def test_404_is_nothing_served():
    ar, _ = registry({})
    assert ar.project_files(INDEX, "keyring") == []


def test_a_401_makes_the_token_be_fetched_again():
    forgotten = []
    ar, _ = registry({INDEX + "keyring/": Response(401, {}, b"")})
    ar.on_rejected = lambda: forgotten.append(True)
    with pytest.raises(Rejected):
        ar.project_files(INDEX, "keyring")
    assert forgotten == [True]


def test_download_checks_the_sha256(tmp_path):
    data = b"wheel bytes"
    url = f"https://{HOST}/proj/auth/files/k-1-py3-none-any.whl"
    ar, _ = registry({url: Response(200, {}, data)})
    good = IndexFile("k-1-py3-none-any.whl", url, hashlib.sha256(data).hexdigest(), None)
    ar.download(good, str(tmp_path / "k.whl"))
    assert (tmp_path / "k.whl").read_bytes() == data
    bad = IndexFile("k-1-py3-none-any.whl", url, "0" * 64, None)
    with pytest.raises(Unreachable):
        ar.download(bad, str(tmp_path / "k2.whl"))
    assert sorted(os.listdir(tmp_path)) == ["k.whl"]


class _Redirector(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):
        _Redirector.seen.append((self.path, self.headers.get("Authorization")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/elsewhere")
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"followed")

    def log_message(self, *args):
        pass


def test_the_real_transport_never_follows_a_redirect():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Redirector)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        resp = Transport().request("GET", f"http://127.0.0.1:{server.server_port}/redirect", {"Authorization": "Basic x"})
        assert resp.status == 302
        assert [p for p, _ in _Redirector.seen] == ["/redirect"]
    finally:
        server.shutdown()


def test_the_real_transport_reports_a_refused_connection_as_unreachable():
    with pytest.raises(Unreachable):
        Transport().request("GET", "http://127.0.0.1:9/", timeout=2)


def test_every_real_transport_shares_one_context_that_verifies():
    openers = [Transport()._opener, Transport()._opener]
    contexts = [h._context for o in openers for h in o.handlers if isinstance(h, urllib.request.HTTPSHandler)]
    assert len(contexts) == 2 and contexts[0] is contexts[1] is https_context()
    assert (contexts[0].verify_mode, contexts[0].check_hostname) == (ssl.CERT_REQUIRED, True)


def test_the_real_transport_refuses_a_certificate_the_system_does_not_trust(tmp_path):
    # A server on 127.0.0.1 with a certificate of its own making, for its own address: only trust is missing.
    key = private_key("tls-server", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    cert = tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-new", "-key", key, "-out", str(cert), "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(str(cert), key)
    listener = socket.create_server(("127.0.0.1", 0))
    handshakes = []

    def serve():
        conn, _ = listener.accept()
        try:
            with server_context.wrap_socket(conn, server_side=True) as tls:
                handshakes.append("completed")
                tls.recv(1)
        except (ssl.SSLError, OSError) as err:
            handshakes.append(type(err).__name__)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with pytest.raises(Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
            Transport().request("GET", f"https://127.0.0.1:{listener.getsockname()[1]}/simple/", {"Authorization": "Bearer secret"},
                                timeout=10)
        thread.join(timeout=10)
        assert handshakes and handshakes != ["completed"]  # the client gave up in the handshake: nothing was sent
    finally:
        listener.close()
