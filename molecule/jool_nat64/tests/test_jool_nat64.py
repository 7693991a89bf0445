"""jool_nat64 translates for customers only, with real clients on both sides of jn-nat64."""

import json

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import nat64_embed

SERVER_V4 = "198.51.100.51"
# jn-server's second address, on the scenario's deny list.
DENIED_V4 = "198.51.100.52"
TRANSLATOR_V4 = "198.51.100.50"
PAGE = "jn-server over IPv4"

# Runs on jn-client: opens N connections at once and keeps them, printing how many were accepted.
HOLD_CONNECTIONS = r"""
import socket, sys
address, count = sys.argv[1], int(sys.argv[2])
held, refused = [], 0
for _ in range(count):
    s = socket.socket(socket.AF_INET6)
    s.settimeout(3)
    try:
        s.connect((address, 80))
        held.append(s)
    except OSError:
        refused += 1
print(len(held), refused)
"""


@pytest.fixture(scope="module")
def model(podman_host):
    return json.loads(podman_host("jn-nat64").file("/root/expected-model.json").content_string)


@pytest.fixture(scope="module")
def server6(model):
    """The IPv4 server as IPv6 clients address it: embedded in the model's NAT64 prefix (RFC 6052)."""
    return nat64_embed(SERVER_V4, model["nat64_prefix"])


def access_log_lines(podman_host):
    return podman_host("jn-server").file("/var/log/nginx/access.log").content_string.splitlines()


def test_model_prefix_is_the_lab_nsp(model, server6):
    assert model["nat64_prefix"] == "2001:db8:46::/96"
    assert server6 == "2001:db8:46::c633:6433"


def test_translator_runs_tayga_behind_the_policy(podman_host, model):
    nat64 = podman_host("jn-nat64")
    for unit in ("jool_nat64-policy", "jool_nat64-tayga"):
        assert nat64.service(unit).is_running
        assert nat64.service(unit).is_enabled
    routes = nat64.check_output("ip -6 route show %s", model["nat64_prefix"])
    assert "dev nat64" in routes
    ruleset = nat64.check_output("nft list table inet jool_nat64")
    assert "2001:db8:105::100/120" in ruleset
    assert "snat ip to %s" % model["pool4"][0]["prefix"] in ruleset


def test_forwarding_sysctls_persisted(podman_host):
    nat64 = podman_host("jn-nat64")
    conf = nat64.file("/etc/sysctl.d/60-jool_nat64.conf").content_string
    assert "net.ipv4.ip_forward = 1" in conf
    assert "net.ipv6.conf.all.forwarding = 1" in conf
    assert nat64.check_output("sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding").split() == ["1", "1"]


def test_client_fetches_ipv4_http_through_nat64(podman_host, server6):
    before = len(access_log_lines(podman_host))
    body = podman_host("jn-client").check_output("curl -sS -m 10 http://[%s]/", server6)
    assert body.strip() == PAGE
    new = access_log_lines(podman_host)[before:]
    assert len(new) == 1
    # The server sees pool4, not TAYGA's internal pool: NAT44 did its part.
    assert new[0].split()[0] == TRANSLATOR_V4


def test_client_pings_through_nat64(podman_host, server6):
    result = podman_host("jn-client").run("ping -c 3 -W 2 %s", server6)
    assert result.rc == 0, result.stdout + result.stderr
    assert " 0% packet loss" in result.stdout


def test_smtp_is_blocked_but_the_listener_is_up(podman_host, server6):
    # Reachable over plain IPv4 from the translator itself: the block is the policy's doing.
    greeting = podman_host("jn-nat64").check_output("nc -w 3 %s 25 </dev/null", SERVER_V4)
    assert greeting.startswith("220 jn-server")
    result = podman_host("jn-client").run("nc -w 3 %s 25 </dev/null", server6)
    assert result.rc != 0
    assert "220" not in result.stdout
    counters = podman_host("jn-nat64").check_output("nft list chain inet jool_nat64 nat64")
    smtp_rule = next(line for line in counters.splitlines() if "tcp dport 25" in line)
    assert "packets 0 " not in smtp_rule


def test_outsider_is_not_translated(podman_host, server6):
    before = len(access_log_lines(podman_host))
    outsider = podman_host("jn-outsider")
    # Same route to pool6 as the client; only the source address differs.
    assert "via 2001:db8:105::20" in outsider.check_output("ip -6 route get %s", server6)
    result = outsider.run("curl -sS -m 5 http://[%s]/", server6)
    assert result.rc != 0
    assert PAGE not in result.stdout
    assert outsider.run("ping -c 2 -W 2 %s", server6).rc != 0
    assert len(access_log_lines(podman_host)) == before


def test_connections_per_source_are_limited(podman_host, model, server6):
    limit = model["conn_limit"]
    client = podman_host("jn-client")
    client.run("cat > /tmp/hold.py <<'EOF'\n%s\nEOF" % HOLD_CONNECTIONS)
    held, refused = map(int, client.check_output("python3 /tmp/hold.py %s %s", server6, str(limit + 10)).split())
    assert 0 < held <= limit
    assert refused >= 10


def test_jool_config_partitions_pool4_per_customer(podman_host, model):
    conf = json.loads(podman_host("jn-nat64").file("/etc/jool/jool.conf").content_string)
    assert conf["framework"] == "netfilter"
    assert conf["global"]["pool6"] == model["nat64_prefix"]
    # RFC 6888 REQ-12 and REQ-8, set explicitly rather than left to Jool's defaults.
    assert conf["global"]["logging-bib"] is True
    assert conf["global"]["logging-session"] is False
    assert conf["global"]["tcp-trans-timeout"] == "4:00"
    assert conf["global"]["icmp-timeout"] == "2:00"
    # The slice is dave's nat64_ports quota from the registry (the provider default).
    (dave,) = model["customers"]
    quota = dave["quotas"]["nat64_ports"]
    for protocol in ("TCP", "UDP", "ICMP"):
        entries = [e for e in conf["pool4"] if e["protocol"] == protocol]
        assert all(e["prefix"] == "%s/32" % TRANSLATOR_V4 for e in entries)
        # dave, the one customer, has mark 1 and the first slice; sources without a customer the rest.
        assert [(e["mark"], e["port range"]) for e in entries] == [
            (1, "61001-%d" % (61000 + quota)),
            (0, "%d-65535" % (61001 + quota)),
        ]


def test_denied_destination_is_not_reached(podman_host, model, server6):
    nat64 = podman_host("jn-nat64")
    denied6 = nat64_embed(DENIED_V4, model["nat64_prefix"])
    # The address answers over plain IPv4, so only the deny list can stop the client.
    assert nat64.check_output("curl -sS -m 5 http://%s/", DENIED_V4).strip() == PAGE
    before = len(access_log_lines(podman_host))
    client = podman_host("jn-client")
    result = client.run("curl -sS -m 5 http://[%s]/", denied6)
    assert result.rc != 0
    assert PAGE not in result.stdout
    assert len(access_log_lines(podman_host)) == before
    # The same client still reaches the allowed address on the same server.
    assert client.check_output("curl -sS -m 10 http://[%s]/", server6).strip() == PAGE
    rules = nat64.check_output("nft list chain inet jool_nat64 nat64")
    deny_rule = next(line for line in rules.splitlines() if "@denied_destinations" in line)
    assert "packets 0 " not in deny_rule


def test_deny_list_holds_the_private_ranges_under_pool6(podman_host):
    elements = podman_host("jn-nat64").check_output("nft list set inet jool_nat64 denied_destinations")
    for prefix in ("2001:db8:46::a00:0/104", "2001:db8:46::ac10:0/108", "2001:db8:46::c0a8:0/112",
                   "2001:db8:46::6440:0/106", "2001:db8:46::7f00:0/104", "2001:db8:46::a9fe:0/112",
                   "2001:db8:46::c633:6434"):
        assert prefix in elements
    # The lab's own server is not on it.
    assert "2001:db8:46::c633:6433" not in elements


def test_invalid_tayga_config_is_refused_and_tayga_keeps_translating(podman_host, server6):
    nat64 = podman_host("jn-nat64")
    nat64.check_output("sed 's|^dynamic-pool .*|dynamic-pool 198.51.100.300/29|' /etc/jool_nat64/tayga.conf"
                       " > /tmp/bad-tayga.conf")
    result = nat64.run("/usr/local/sbin/jool_nat64-validate tayga /tmp/bad-tayga.conf")
    assert result.rc != 0
    assert "line 5: dynamic-pool 198.51.100.300/29" in result.stderr
    assert nat64.run("/usr/local/sbin/jool_nat64-validate tayga /etc/jool_nat64/tayga.conf").rc == 0
    assert "nat64" in nat64.check_output("ip -o link show dev nat64")
    body = podman_host("jn-client").check_output("curl -sS -m 10 http://[%s]/", server6)
    assert body.strip() == PAGE


def test_trace_on_tayga_says_it_cannot_answer(ansible_playbook, podman_host, server6):
    podman_host("jn-client").check_output("curl -sS -m 10 http://[%s]/", server6)
    result = ansible_playbook("../../playbooks/nat64_trace.yml", "-e", "nat64_trace_hosts=jn-nat64",
                              extra_vars={"address": TRANSLATOR_V4, "port": 61001, "at": "now"}, timeout=300)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "time ''now'' is not ISO 8601" in output
    at = podman_host("jn-nat64").check_output("date -u +%Y-%m-%dT%H:%M:%SZ")
    result = ansible_playbook("../../playbooks/nat64_trace.yml", "-e", "nat64_trace_hosts=jn-nat64",
                              extra_vars={"address": TRANSLATOR_V4, "port": 61001, "at": at}, timeout=300)
    output = " ".join(result.stdout.split())
    assert result.returncode == 0, output
    assert "No match for %s#61001 at" % TRANSLATOR_V4 in output
    assert "jn-nat64 has no Jool module, so it translates with TAYGA, which logs no mappings" in output


def test_forced_jool_fails_clearly_and_changes_nothing(model, ansible_playbook):
    result = ansible_playbook("force_jool.yml", timeout=300)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "jool_nat64_backend is 'jool', but kernel %s on jn-nat64 has no Jool module" % model["kernel"] in output
    assert "/sys/module/jool is absent" in output
    assert "/lib/modules/%s/build that jool-dkms builds against are missing" % model["kernel"] in output
    assert "changed=0" in output and "failed=1" in output
