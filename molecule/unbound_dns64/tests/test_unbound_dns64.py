"""unbound_dns64 answers like a DNS64 resolver should, checked with dig, kdig and dnspython from real clients."""

import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "collections"))
from ansible_collections.v6only.gateway.plugins.module_utils._addresses import nat64_embed  # noqa: E402

RESOLVER = "2001:db8:106::53"
RESOLVER_V4 = "198.51.100.66"
AUTH = "2001:db8:106::54"
CA = "/root/resolver-ca.pem"

# Runs inside a container: one query with dnspython over udp, tls or https; prints rcode and the rdata.
DNSPYTHON = r"""
import ssl, sys, dns.message, dns.query, dns.rcode
how, where, name, rtype = sys.argv[1:5]
query = dns.message.make_query(name, rtype)
if how == "udp":
    answer = dns.query.udp(query, where, timeout=5)
elif how == "tls":
    context = ssl.create_default_context(cafile=sys.argv[5])
    answer = dns.query.tls(query, where, timeout=5, ssl_context=context, server_hostname="ud-resolver")
else:
    answer = dns.query.https(query, "https://[%s]/dns-query" % where, timeout=5, verify=sys.argv[5])
print(dns.rcode.to_text(answer.rcode()))
for rrset in answer.answer:
    for rdata in rrset:
        print(rdata.to_text())
"""


@pytest.fixture(scope="module")
def model(podman_host):
    return json.loads(podman_host("ud-resolver").file("/root/expected-model.json").content_string)


@pytest.fixture(scope="module")
def embed(model):
    return lambda ipv4: nat64_embed(ipv4, model["nat64_prefix"])


@pytest.fixture(scope="module")
def client(podman_host):
    """ud-client, trusting the resolver's self-signed certificate."""
    host = podman_host("ud-client")
    pem = podman_host("ud-resolver").file("/etc/unbound/unbound_dns64_server.pem").content_string
    assert "BEGIN CERTIFICATE" in pem
    host.check_output(f"printf %s %s > {CA}", "%s", pem)
    return host


def dig(host, server, name, rtype, *flags):
    """(status, sorted answers) from dig."""
    out = host.check_output(" ".join(["dig", "+tries=1", "+time=5", "+noauthority", "+noadditional", *flags, f"@{server}", name, rtype]))
    status = out.split("status: ")[1].split(",")[0]
    answers = sorted(
        line.split()[-1] for line in out.splitlines()
        if line and not line.startswith(";") and len(line.split()) >= 5 and line.split()[3] == rtype
    )
    return status, answers


def pyquery(host, how, name, rtype, where=RESOLVER):
    out = host.check_output("python3 -c %s %s %s %s %s %s", DNSPYTHON, how, where, name, rtype, CA).splitlines()
    return out[0], sorted(out[1:])


def test_a_only_name_gets_the_synthesized_aaaa_nat64_embed_computes(client, embed):
    expected = [embed("198.51.100.77")]
    assert expected[0].startswith("2001:db8:46::")
    assert dig(client, RESOLVER, "a-only.dns64.example", "AAAA") == ("NOERROR", expected)
    assert pyquery(client, "udp", "a-only.dns64.example", "AAAA") == ("NOERROR", expected)


def test_dual_stack_name_keeps_its_real_aaaa(client):
    assert dig(client, RESOLVER, "dual.dns64.example", "AAAA") == ("NOERROR", ["2001:db8:106::78"])
    assert pyquery(client, "udp", "dual.dns64.example", "AAAA") == ("NOERROR", ["2001:db8:106::78"])


def test_broken_aaaa_is_ignored_and_synthesized_instead(client, embed):
    # The authoritative server does publish the broken AAAA ...
    assert dig(client, AUTH, "broken.dns64.example", "AAAA", "+norec") == ("NOERROR", ["2001:db8:106::dead"])
    # ... and the resolver replaces it (unbound_dns64_ignore_aaaa).
    assert dig(client, RESOLVER, "broken.dns64.example", "AAAA") == ("NOERROR", [embed("198.51.100.79")])


def test_plain_a_passes_through(client):
    assert dig(client, RESOLVER, "a-only.dns64.example", "A") == ("NOERROR", ["198.51.100.77"])


def test_ipv4only_arpa_reveals_the_nat64_prefix(client, embed):
    wanted = sorted(embed(a) for a in ("192.0.0.170", "192.0.0.171"))
    assert dig(client, RESOLVER, "ipv4only.arpa", "AAAA") == ("NOERROR", wanted)
    assert pyquery(client, "udp", "ipv4only.arpa", "AAAA") == ("NOERROR", wanted)
    assert dig(client, RESOLVER, "ipv4only.arpa", "A") == ("NOERROR", ["192.0.0.170", "192.0.0.171"])


def test_dot_answers_with_a_certificate_the_client_verifies(client, embed):
    expected = ("NOERROR", [embed("198.51.100.77")])
    assert pyquery(client, "tls", "a-only.dns64.example", "AAAA") == expected
    out = client.check_output(
        f"kdig +tls-ca={CA} +tls-hostname=ud-resolver @{RESOLVER} a-only.dns64.example AAAA +short")
    assert out.split() == expected[1]


def test_doh_answers_on_dns_query(client, embed):
    expected = ("NOERROR", [embed("198.51.100.77")])
    assert pyquery(client, "https", "a-only.dns64.example", "AAAA") == expected
    out = client.check_output(
        f"kdig +https=/dns-query +tls-ca={CA} +tls-hostname=ud-resolver @{RESOLVER} a-only.dns64.example AAAA +short")
    assert out.split() == expected[1]


@pytest.mark.parametrize("server", [RESOLVER, RESOLVER_V4])
def test_outsider_is_refused(podman_host, server):
    outsider = podman_host("ud-outsider")
    assert dig(outsider, server, "a-only.dns64.example", "AAAA") == ("REFUSED", [])
    assert dig(outsider, server, "ipv4only.arpa", "AAAA")[0] == "REFUSED"
    assert pyquery(outsider, "udp", "a-only.dns64.example", "AAAA", where=server) == ("REFUSED", [])


def test_outsider_is_refused_over_dot_too(podman_host):
    outsider = podman_host("ud-outsider")
    out = outsider.check_output(f"kdig +tls @{RESOLVER} a-only.dns64.example AAAA")
    assert "status: REFUSED" in out


def test_localhost_may_resolve(podman_host, embed):
    resolver = podman_host("ud-resolver")
    assert dig(resolver, "::1", "a-only.dns64.example", "AAAA") == ("NOERROR", [embed("198.51.100.77")])


def test_gateway_names_resolve_to_the_forward_tables_records(client, model):
    records = model["dns_records"]
    assert {"name": "https-carol-web-ip4-gw.ip4-gw.example.net", "type": "A", "value": "198.51.100.75", "ttl": 300} in records
    for record in records:
        assert dig(client, RESOLVER, record["name"], record["type"]) == ("NOERROR", [record["value"]])
        assert pyquery(client, "udp", record["name"], record["type"]) == ("NOERROR", [record["value"]])


def test_zone_file_holds_the_same_records(podman_host, model):
    resolver = podman_host("ud-resolver")
    dump = resolver.check_output(
        "python3 -c %s",
        "import dns.zone\n"
        "zone = dns.zone.from_file('/etc/unbound/ip4-gw.example.net.zone', relativize=False)\n"
        "for name, ttl, rdata in zone.iterate_rdatas():\n"
        "    print(name.to_text().rstrip('.'), ttl, rdata.rdtype.name, rdata.to_text())",
    )
    rows = {tuple(line.split(" ", 3)) for line in dump.splitlines()}
    for record in model["dns_records"]:
        assert (record["name"], str(record["ttl"]), record["type"], record["value"]) in rows
    assert any(row[2] == "SOA" for row in rows) and any(row[2] == "NS" for row in rows)


def test_dnssec_validation_stays_on_with_the_lab_zone_insecure(podman_host):
    resolver = podman_host("ud-resolver")
    assert resolver.check_output("unbound-control get_option module-config") == "dns64 validator iterator"
    assert "dns64.example." in resolver.check_output("unbound-control list_insecure").split()


def test_unbound_control_gives_stats_and_the_rate_limit(client, podman_host):
    resolver = podman_host("ud-resolver")

    def queries():
        stats = dict(line.split("=", 1) for line in resolver.check_output("unbound-control stats_noreset").splitlines())
        return int(stats["total.num.queries"])

    before = queries()
    dig(client, RESOLVER, "a-only.dns64.example", "AAAA")
    assert queries() >= before + 1
    assert resolver.check_output("unbound-control get_option ip-ratelimit") == "500"
    assert resolver.check_output("unbound-checkconf -o control-interface") == "/run/unbound.ctl"
