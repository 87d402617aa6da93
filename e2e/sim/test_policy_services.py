"""Self-test of the fake OSV, Integrity API and PEP 691 pages (policy_services.py), run through servers.py as the
harness starts them: `/usr/bin/python3 -m pytest e2e/sim/test_policy_services.py`. The last tests ask them with
the host agent's own clients (agent/pip_airlock_agent: osv, provenance, index_filter), so the simulation
speaks what the mirror speaks."""
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

SIM = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(os.path.dirname(os.path.dirname(SIM)), "agent")
sys.path.insert(0, SIM)
import policy_services  # noqa: E402

PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
WHEEL = "keyring-25.6.0-py3-none-any.whl"
OLD_WHEEL = "keyring-24.0.0-py3-none-any.whl"


@pytest.fixture
def root(tmp_path):
    """A fake PyPI root as make_fixtures.py writes one."""
    files = tmp_path / "pypi" / "files"
    files.mkdir(parents=True)
    links = ""
    for name, rp in ((WHEEL, ">=3.9"), (OLD_WHEEL, ">=3.8,<4"), ("keyring-25.6.0.tar.gz", None)):
        data = b"bytes of " + name.encode()
        (files / name).write_bytes(data)
        attr = f' data-requires-python="{rp.replace("<", "&lt;").replace(">", "&gt;")}"' if rp else ""
        links += f'<a href="../../files/{name}#sha256={hashlib.sha256(data).hexdigest()}"{attr}>{name}</a><br>\n'
    project = tmp_path / "pypi" / "simple" / "keyring"
    project.mkdir(parents=True)
    (project / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
    return tmp_path / "pypi"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    procs = []

    def start(*args):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-u", os.path.join(SIM, "servers.py")] + list(args) + ["--bind", f"127.0.0.1:{port}"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        procs.append(proc)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stdout.read().decode())
                time.sleep(0.05)
        raise AssertionError("the server did not come up")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def fetch(url, accept=None, body=None):
    req = urllib.request.Request(url, data=body, headers={"Accept": accept} if accept else {}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers.get("Content-Type"), err.read()


# --- PEP 691 pages -----------------------------------------------------------------------------------------
def test_the_json_page_of_an_index_html(root):
    (root / "upload-times.json").write_text(json.dumps({WHEEL: 2, "keyring-25.6.0.tar.gz": None}))
    now = 1_800_000_000
    status, ctype, body = policy_services.pep691_page(str(root), "/simple/keyring/", PIP_ACCEPT, "pypi.org", "https", now=now)
    assert (status, ctype) == (200, "application/vnd.pypi.simple.v1+json")
    page = json.loads(body)
    assert page["meta"] == {"api-version": "1.1"} and page["name"] == "keyring" and page["versions"] == ["24.0.0", "25.6.0"]
    by_name = {f["filename"]: f for f in page["files"]}
    wheel = by_name[WHEEL]
    assert wheel["url"] == f"https://pypi.org/files/{WHEEL}"
    assert wheel["hashes"] == {"sha256": hashlib.sha256(b"bytes of " + WHEEL.encode()).hexdigest()}
    assert wheel["requires-python"] == ">=3.9" and wheel["size"] == len(b"bytes of " + WHEEL.encode()) and wheel["yanked"] is False
    assert wheel["upload-time"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 2 * 86400))  # two days ago
    assert by_name[OLD_WHEEL]["upload-time"] == policy_services.DEFAULT_UPLOAD_TIME  # not in the table: old enough
    assert by_name[OLD_WHEEL]["requires-python"] == ">=3.8,<4"  # unescaped
    assert "upload-time" not in by_name["keyring-25.6.0.tar.gz"]  # null: none


@pytest.mark.parametrize("accept", [None, "text/html", "application/vnd.pypi.simple.v1+html",
                                    "application/vnd.pypi.simple.v1+json; q=0, text/html",
                                    "text/html, application/vnd.pypi.simple.v1+json; q=0.5"])
def test_html_is_kept_for_whoever_prefers_it(root, accept):
    assert policy_services.pep691_page(str(root), "/simple/keyring/", accept, "pypi.org", "https") is None


@pytest.mark.parametrize("path", ["/simple/", "/simple/nosuch/", "/simple/Keyring/", "/files/" + WHEEL, "/simple/../x/"])
def test_only_existing_project_pages(root, path):
    assert policy_services.pep691_page(str(root), path, PIP_ACCEPT, "pypi.org", "https") is None


def test_static_serves_json_only_with_pep691(root, server):
    plain = server("static", "--root", str(root))
    status, ctype, body = fetch(plain + "/simple/keyring/", PIP_ACCEPT)
    assert status == 200 and ctype.startswith("text/html") and b"<a href" in body  # unchanged without the flag
    url = server("static", "--root", str(root), "--pep691")
    status, ctype, body = fetch(url + "/simple/keyring/", PIP_ACCEPT)
    assert (status, ctype) == (200, "application/vnd.pypi.simple.v1+json")
    host = url.split("//", 1)[1]
    assert json.loads(body)["files"][0]["url"] == f"http://{host}/files/{WHEEL}"
    assert fetch(url + "/simple/keyring/")[1].startswith("text/html")  # no Accept: HTML, as before
    assert fetch(url + "/files/" + WHEEL)[2] == b"bytes of " + WHEEL.encode()
    # the table is read again on every request
    (root / "upload-times.json").write_text(json.dumps({WHEEL: "2027-01-14T00:00:00Z"}))
    files = {f["filename"]: f for f in json.loads(fetch(url + "/simple/keyring/", PIP_ACCEPT)[2])["files"]}
    assert files[WHEEL]["upload-time"] == "2027-01-14T00:00:00Z"


# --- OSV -----------------------------------------------------------------------------------------------------
def query(*packages, token=None):
    return {"queries": [dict({"package": {"name": n, "ecosystem": "PyPI"}, "version": v}, **({"page_token": token} if token else {}))
                        for n, v in packages]}


def test_osv_answers_the_documented_querybatch(tmp_path, server):
    advisories = tmp_path / "advisories.json"
    advisories.write_text(json.dumps({"Jaraco.Classes==3.4.0": ["GHSA-aaaa-bbbb-cccc", "PYSEC-2027-1"]}))
    log = tmp_path / "osv.jsonl"
    url = server("osv", "--advisories", str(advisories), "--page-size", "1", "--fail-first", "1", "--log", str(log)) + "/v1/querybatch"
    body = json.dumps(query(("jaraco-classes", "3.4.0"), ("keyring", "25.6.0"))).encode()
    assert fetch(url, body=body)[0] == 503  # --fail-first 1
    status, ctype, out = fetch(url, body=body)
    assert (status, ctype) == (200, "application/json")
    assert json.loads(out) == {"results": [{"vulns": [{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2026-01-01T00:00:00Z"}], "next_page_token": "1"}, {}]}
    out = json.loads(fetch(url, body=json.dumps(query(("jaraco-classes", "3.4.0"), token="1")).encode())[2])
    assert out == {"results": [{"vulns": [{"id": "PYSEC-2027-1", "modified": "2026-01-01T00:00:00Z"}]}]}
    too_many = json.dumps(query(*[(f"p{i}", "1.0") for i in range(1001)])).encode()
    status, _, out = fetch(url, body=too_many)
    assert status == 400 and b"Too many queries." in out
    assert fetch(url.replace("querybatch", "query"), body=body)[0] == 404
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["status"] for r in records] == [503, 200, 200, 400, 404] and records[1]["queries"] == 2


# --- the Integrity API ----------------------------------------------------------------------------------------
def test_integrity_answers_provenance_objects(tmp_path, server):
    table = tmp_path / "provenance.json"
    table.write_text(json.dumps({WHEEL: "github:jaraco/keyring", OLD_WHEEL: {"kind": "Google", "email": "p@x.iam.gserviceaccount.com"}}))
    log = tmp_path / "integrity.jsonl"
    base = server("integrity", "--provenance", str(table), "--log", str(log)) + "/integrity/"
    status, ctype, body = fetch(f"{base}keyring/25.6.0/{WHEEL}/provenance", "application/vnd.pypi.integrity.v1+json")
    assert (status, ctype) == (200, "application/vnd.pypi.integrity.v1+json")
    prov = json.loads(body)
    assert prov["version"] == 1 and len(prov["attestation_bundles"]) == 1
    assert prov["attestation_bundles"][0]["publisher"] == {"kind": "GitHub", "repository": "jaraco/keyring", "workflow": "release.yml", "environment": None}
    assert prov["attestation_bundles"][0]["attestations"][0]["envelope"]["statement"]
    assert json.loads(fetch(f"{base}keyring/24.0.0/{OLD_WHEEL}/provenance")[2])["attestation_bundles"][0]["publisher"]["kind"] == "Google"
    status, _, body = fetch(f"{base}keyring/25.6.0/keyring-25.6.0.tar.gz/provenance")
    assert status == 404 and json.loads(body) == {"message": "No provenance available for keyring-25.6.0.tar.gz"}
    assert fetch(f"{base}cffi/25.6.0/{WHEEL}/provenance")[0] == 404  # the project does not match the file
    assert fetch(f"{base}keyring/25.6.0/{WHEEL}/provenance", "text/html")[0] == 406
    assert len(log.read_text().splitlines()) == 5


def test_static_answers_the_integrity_route_as_pypi_org_does(root, tmp_path, server):
    table = tmp_path / "provenance.json"
    table.write_text(json.dumps({WHEEL: "gitlab:group/keyring"}))
    url = server("static", "--root", str(root), "--provenance", str(table))
    status, _, body = fetch(f"{url}/integrity/keyring/25.6.0/{WHEEL}/provenance")
    assert status == 200 and json.loads(body)["attestation_bundles"][0]["publisher"]["repository"] == "group/keyring"
    assert fetch(url + "/simple/keyring/", PIP_ACCEPT)[1].startswith("text/html")  # no --pep691: pages as before


# --- with the host agent's own clients --------------------------------------------------------------------------
@pytest.fixture
def agent():
    if not os.path.isdir(os.path.join(AGENT, "pip_airlock_agent")):
        pytest.skip("no agent/ beside e2e/")
    sys.path.insert(0, AGENT)
    try:
        import pip_airlock_agent  # noqa: F401
        yield
    finally:
        sys.path.remove(AGENT)


class Clock:
    def time(self):
        return time.time()


def test_the_agents_clients_read_what_the_fakes_serve(agent, root, tmp_path, server):
    from pip_airlock_agent.http import Transport
    from pip_airlock_agent.index_filter import IndexFilter
    from pip_airlock_agent.osv import Osv
    from pip_airlock_agent.provenance import Integrity

    (root / "upload-times.json").write_text(json.dumps({WHEEL: 1}))
    advisories = tmp_path / "advisories.json"
    advisories.write_text(json.dumps({"keyring==24.0.0": ["PYSEC-2027-2", "GHSA-dddd-eeee-ffff", "GHSA-1111-2222-3333"]}))
    table = tmp_path / "provenance.json"
    table.write_text(json.dumps({WHEEL: "github:jaraco/keyring"}))
    pypi = server("static", "--root", str(root), "--pep691", "--provenance", str(table))
    osv = server("osv", "--advisories", str(advisories), "--page-size", "2")
    transport = Transport()
    assert Osv(osv + "/v1/querybatch", transport, Clock()).vulnerabilities([("keyring", "24.0.0"), ("keyring", "25.6.0")]) == {
        ("keyring", "24.0.0"): ["GHSA-1111-2222-3333", "GHSA-dddd-eeee-ffff", "PYSEC-2027-2"], ("keyring", "25.6.0"): []}
    integrity = Integrity(pypi + "/integrity/", transport, Clock())
    assert integrity.publisher("keyring", "25.6.0", WHEEL) == "github:jaraco/keyring"
    assert integrity.publisher("keyring", "24.0.0", OLD_WHEEL) is None
    lines = []
    flt = IndexFilter(pypi + "/simple/", 7, [], time.time(), transport, lines.append, timeout=10)
    url = flt.start()
    try:
        status, _, body = fetch(url + "keyring/", PIP_ACCEPT)
    finally:
        flt.stop()
    assert status == 200
    assert sorted(f["filename"] for f in json.loads(body)["files"]) == [OLD_WHEEL, "keyring-25.6.0.tar.gz"]  # the wheel of yesterday hidden
    assert len(lines) == 1 and lines[0].startswith("skipped for age: keyring 25.6.0: 1 file(s) uploaded ")
