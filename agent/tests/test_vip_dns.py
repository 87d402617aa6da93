"""Where the host's names resolve: Artifact Registry's host (and Cloud KMS's, when it verifies a signed set) must
resolve into the Google APIs VIP range, the only one its egress reaches. The run says where each resolves at its
start, and a failure to reach a service names a name outside the range as the cause."""
from __future__ import annotations

import socket

import pytest

from bootstrap_fakes import HOST, ROOT_ONLY, Host, bootstrap_settings, make_bundle
from pip_airlock_agent import cli, signed_set, vip_dns
from pip_airlock_agent.errors import SettingsError, Unreachable

IN_RANGE = {HOST: ["199.36.153.9", "199.36.153.10"], "cloudkms.googleapis.com": ["199.36.153.8"]}


def resolver(answers):
    def resolve(name):
        if name not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers[name]
    return resolve


def test_names_in_the_range_are_logged_and_no_problem(tmp_path):
    lines, problems = vip_dns.check(bootstrap_settings(str(tmp_path)), resolver(IN_RANGE))
    assert problems == []
    assert lines == [f"dns: {HOST} resolves to 199.36.153.9, 199.36.153.10, in the Google APIs VIP range 199.36.153.8/30",
                     "dns: cloudkms.googleapis.com resolves to 199.36.153.8, in the Google APIs VIP range 199.36.153.8/30"]


def test_a_public_address_or_no_answer_is_a_problem_naming_the_fix(tmp_path):
    answers = {HOST: ["142.250.1.1", "199.36.153.9"]}
    lines, problems = vip_dns.check(bootstrap_settings(str(tmp_path)), resolver(answers))
    assert problems == [
        f"dns: {HOST} resolves to 142.250.1.1, 199.36.153.9, outside the Google APIs VIP range 199.36.153.8/30, the only one this host's "
        "egress reaches: the VPC's DNS must answer it with the VIP (networks.private.dns; the stack's output google_apis_dns lists the names)",
        "dns: cloudkms.googleapis.com does not resolve ([Errno -2] Name or service not known): the VPC's DNS must answer it with an "
        "address of the Google APIs VIP range 199.36.153.8/30",
    ]
    assert lines[-2:] == problems


def test_the_restricted_vip_and_remote_mode_where_nothing_is_verified(tmp_path):
    settings = bootstrap_settings(str(tmp_path), google_apis_range="199.36.153.4/30", signing_key="", mirrored_targets=[])
    assert vip_dns.names(settings) == [HOST]
    assert vip_dns.check(settings, resolver({HOST: ["199.36.153.6"]}))[1] == []
    assert len(vip_dns.check(settings, resolver({HOST: ["199.36.153.9"]}))[1]) == 1


def test_the_range_is_a_checked_setting(tmp_path):
    with pytest.raises(SettingsError, match=r"GOOGLE_APIS_RANGE 'googleapis': must be an IPv4 range such as 199.36.153.8/30"):
        bootstrap_settings(str(tmp_path), google_apis_range="googleapis")


@ROOT_ONLY
def test_a_host_whose_dns_misses_the_vip_says_so_and_its_failure_names_the_cause(tmp_path, monkeypatch):
    host = Host(tmp_path / "host", monkeypatch, wait_attempts=3)
    host.repo.add_bundle(make_bundle(str(tmp_path / "mirror")))
    host.publish()
    host.dns[HOST] = ["142.250.1.1"]
    host.repo.page_status[signed_set.PROJECT] = 503  # what the egress rule makes of 142.250.1.1: no answer
    b = host.bootstrap()
    with pytest.raises(Unreachable) as raised:
        b.run()
    cli.fail(host.log, host.ctx.attrs, raised.value)
    log = host.logged()
    outside = f"dns: {HOST} resolves to 142.250.1.1, outside the Google APIs VIP range 199.36.153.8/30"
    # Said at the start of the run, before the wait, and again with the failure.
    assert log.index(outside) < log.index("waiting for the auth repo")
    assert log.count(outside) == 2
    assert log.rindex(outside) < log.index("FAILED at step wait-for-auth-repo (Unreachable)")


@ROOT_ONLY
def test_a_host_whose_dns_is_right_logs_it_and_gets_ready(tmp_path, monkeypatch):
    host = Host(tmp_path / "host", monkeypatch)
    host.repo.add_bundle(make_bundle(str(tmp_path / "mirror")))
    host.publish()
    assert host.bootstrap().run() == "ready"
    assert f"dns: {HOST} resolves to 199.36.153.10, in the Google APIs VIP range 199.36.153.8/30" in host.logged()
