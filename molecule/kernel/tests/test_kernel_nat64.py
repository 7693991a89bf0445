"""jool_nat64 with backend jool on Debian's own kernel: real packets through the Jool module,
from the customers' IPv6-only namespaces to the IPv4-only server (files/topology.sh)."""
import csv
import io
import re

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import nat64_embed

SERVER_V4 = "198.51.100.2"
POOL4 = "198.51.100.1"
SERVER6 = nat64_embed(SERVER_V4, "2001:db8:46::/96")
PAGE = "v4server over IPv4"
CUSTOMERS = {"cust-a": "2001:db8:110::10", "cust-b": "2001:db8:111::10"}
OUTSIDER = "2001:db8:112::10"


def sessions(guest, protocol):
    """Jool's sessions of one protocol as {column: value} rows (CSV with a header line)."""
    return list(csv.DictReader(io.StringIO(
        guest.check_output("jool session display --%s --numeric --csv", protocol))))


def from_source(rows, source):
    return [row for row in rows if row["IPv6 Remote Address"] == source]


def translated_by(rows, source):
    """Sessions of `source` that leave from pool4 towards the IPv4 server."""
    return [row for row in from_source(rows, source)
            if row["IPv4 Local Address"] == POOL4 and row["IPv4 Remote Address"] == SERVER_V4]


def test_jool_module_translates_not_tayga(guest):
    kernel = guest.check_output("uname -r")
    assert guest.check_output("modinfo -F vermagic jool").split()[0] == kernel
    assert guest.file("/sys/module/jool").is_directory
    instances = guest.check_output("jool instance display --csv")
    assert re.search(r"default,netfilter", instances), instances
    assert "2001:db8:46::/96" in guest.check_output("jool global display")
    assert not guest.service("jool_nat64-tayga").is_running
    assert "dev nat64" not in guest.check_output("ip -6 route")


def test_client_pings_the_ipv4_server(guest, netns):
    result = netns("cust-a", "ping -c 3 -W 3 %s", SERVER6)
    assert result.rc == 0, result.stdout + result.stderr
    assert " 0% packet loss" in result.stdout
    assert translated_by(sessions(guest, "icmp"), CUSTOMERS["cust-a"])


@pytest.mark.parametrize("client", sorted(CUSTOMERS))
def test_client_fetches_http_and_the_server_sees_pool4(guest, netns, journal, wait_until, client):
    before = len(journal("kernel-test-http"))
    body = netns(client, "curl -sS -m 10 http://[%s]/", SERVER6)
    assert body.rc == 0, body.stderr
    assert body.stdout.strip() == PAGE
    new = wait_until(lambda: journal("kernel-test-http")[before:], 15)
    assert len(new) == 1, new
    assert new[0].startswith(POOL4 + " "), new
    assert translated_by(sessions(guest, "tcp"), CUSTOMERS[client])


def test_client_resolves_over_udp_through_jool(guest, netns, journal, wait_until):
    before = len(journal("kernel-test-dns"))
    answer = netns("cust-a", "dig +short +time=5 +tries=1 @%s www.kernel.test A", SERVER6)
    assert answer.rc == 0, answer.stdout + answer.stderr
    assert answer.stdout.strip() == SERVER_V4
    def queries():
        return [line for line in journal("kernel-test-dns")[before:] if "www.kernel.test." in line]

    logged = wait_until(queries, 15)
    # unbound's log-queries line: "... info: <client address> www.kernel.test. A IN"
    assert logged and f"info: {POOL4} " in logged[0], logged
    assert translated_by(sessions(guest, "udp"), CUSTOMERS["cust-a"])


def test_smtp_is_blocked_but_the_listener_is_up(guest, netns, journal):
    # Straight from the gateway over IPv4 the listener answers: the block is the policy's doing.
    assert guest.check_output("nc -w 3 %s 25 </dev/null", SERVER_V4).startswith("220 v4server")
    before = len(journal("kernel-test-smtp"))
    result = netns("cust-a", "nc -w 3 %s 25 </dev/null", SERVER6)
    assert result.rc != 0
    assert "220" not in result.stdout
    smtp_rule = next(line for line in guest.check_output("nft list chain inet jool_nat64 nat64").splitlines()
                     if "tcp dport 25" in line)
    assert "packets 0 " not in smtp_rule
    assert len(journal("kernel-test-smtp")) == before
    smtp_sessions = from_source(sessions(guest, "tcp"), CUSTOMERS["cust-a"])
    assert not [row for row in smtp_sessions if row["IPv4 Remote L4-ID"] == "25"]


def test_outsider_is_not_translated(guest, netns, journal):
    assert "via 2001:db8:112::1" in netns("outsider", "ip -6 route get %s", SERVER6).stdout
    before = len(journal("kernel-test-http"))
    result = netns("outsider", "curl -sS -m 5 http://[%s]/", SERVER6)
    assert result.rc != 0
    assert PAGE not in result.stdout
    assert netns("outsider", "ping -c 2 -W 2 %s", SERVER6).rc != 0
    assert len(journal("kernel-test-http")) == before
    for protocol in ("tcp", "icmp"):
        assert not from_source(sessions(guest, protocol), OUTSIDER)
