"""Quotas per customer (_model_quotas): the registry's values, the counts and their errors, through analyse()."""

import copy

import pytest
import yaml

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import analyse
from ansible_collections.v6only.gateway.plugins.module_utils._model_quotas import QUOTA_DEFAULTS, customer_usage, read_quotas
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import Analysis

KEY_A = "LhW0BSXEYOKCzQfzGDei2/kA/FPd1DqPToTA1LtsUMI="
KEY_B = "uBh6jZfLS7EeRnNDnKT3KRvzmC7fr5vI5rrT0zCbDjw="
SETTINGS = {"customer_prefixes": ["2001:db8:100::/48"], "vpn_prefix": "2001:db8:200::/48", "gateway_ipv4": "198.51.100.20",
            "lending_pool": ["198.51.100.40", "198.51.100.41"]}
# alice takes: names 4 (alice.example and www. on http and https, shop. and www. again on ftps on her other VM,
# the zone dns.alice.example),
# ssh_ports 1, lent_addresses 3 (smtp, ftp, custom), ftp_data_ports 30 (ftp 10 + ftps 20), vpn_peers 2.
USAGE = {"names": 4, "ssh_ports": 1, "lent_addresses": 3, "ftp_data_ports": 30, "vpn_peers": 2}
ALICE = {
    "name": "alice",
    "prefix": "2001:db8:100:a::/64",
    "domains": ["alice.example"],
    "vms": [
        {"name": "alice-web", "ipv6": "2001:db8:100:a::10", "services": [
            {"proto": "http", "names": ["alice.example", "www.alice.example"]},
            {"proto": "https", "names": ["www.alice.example", "alice.example"]},
            {"proto": "ssh", "gateway_port": 2201},
            {"proto": "smtp"},
            {"proto": "custom", "port": 5432, "transport": "tcp"},
        ], "vpn_peers": [{"name": "alice-laptop", "index": 1, "public_key": KEY_A}]},
        {"name": "alice-files", "ipv6": "2001:db8:100:a::11", "services": [
            {"proto": "ftp", "data_ports": [30000, 30009]},
            {"proto": "ftps", "names": ["shop.alice.example", "www.alice.example"], "data_ports": [30100, 30119]},
            {"proto": "dns", "zones": ["dns.alice.example"]},
        ], "vpn_peers": [{"name": "alice-phone", "index": 2, "public_key": KEY_B}]},
    ],
}
BOB = {"name": "bob", "prefix": "2001:db8:100:b::/64", "domains": ["bob.example"],
       "vms": [{"name": "bob-web", "ipv6": "2001:db8:100:b::10", "services": [{"proto": "https", "names": ["bob.example"]}]}]}
GRANTS = {
    "alice": {"domains": ["alice.example"], "prefixes": ["2001:db8:100:a::/64", "2001:db8:200:1::/64", "2001:db8:200:2::/64"]},
    "bob": {"domains": ["bob.example"], "prefixes": ["2001:db8:100:b::/64"]},
}
REGISTRY_SCOPE = "registry 'v6only_gateway_registry'"


def registry(quotas=None, alice=None, bob=None):
    """The registry granting alice and bob what they use, with provider quotas and per-customer ones."""
    grants = copy.deepcopy(GRANTS)
    for name, own in (("alice", alice), ("bob", bob)):
        if own is not None:
            grants[name]["quotas"] = own
    return dict({"customers": grants}, **({"quotas": quotas} if quotas is not None else {}))


def run(reg, customers=(ALICE, BOB)):
    return analyse(copy.deepcopy(list(customers)), SETTINGS, None, reg)


def test_alice_and_bob_as_written_are_within_the_defaults():
    assert run(registry())["errors"] == []


def test_without_registry_quotas_every_customer_gets_the_defaults():
    customers = run(registry())["model"]["customers"]
    assert [c["quotas"] for c in customers] == [QUOTA_DEFAULTS, QUOTA_DEFAULTS]
    assert list(QUOTA_DEFAULTS) == ["names", "ssh_ports", "lent_addresses", "ftp_data_ports", "vpn_peers", "nat64_ports"]


def test_provider_quotas_then_the_customer_own_override_the_defaults():
    customers = run(registry(quotas={"names": 10, "nat64_ports": 8}, bob={"nat64_ports": 64}))["model"]["customers"]
    assert customers[0]["quotas"] == dict(QUOTA_DEFAULTS, names=10, nat64_ports=8)
    assert customers[1]["quotas"] == dict(QUOTA_DEFAULTS, names=10, nat64_ports=64)


def test_every_customer_has_its_own_quotas_so_a_dump_has_no_anchors():
    model = run(registry())["model"]
    assert model["customers"][0]["quotas"] is not model["customers"][1]["quotas"]
    assert "&id" not in yaml.safe_dump(model)


@pytest.mark.parametrize(("quota", "field", "message", "fix"), [
    ("names", "services", "4 names exceed the quota names=3", "remove names or zones"),
    ("ssh_ports", "services", "1 ssh service exceeds the quota ssh_ports=0", "remove ssh services"),
    ("lent_addresses", "services", "3 lent IPv4 addresses exceed the quota lent_addresses=2",
     "remove services routed by lending (one address per VM and protocol)"),
    ("ftp_data_ports", "services", "30 FTP data ports exceed the quota ftp_data_ports=29", "narrow the ftp/ftps data_ports ranges"),
    ("vpn_peers", "vpn_peers", "2 VPN peers exceed the quota vpn_peers=1", "remove peers"),
])
def test_one_over_a_quota_is_an_error_naming_quota_count_limit_and_fix(quota, field, message, fix):
    errors = run(registry(quotas={quota: USAGE[quota] - 1}))["errors"]
    assert errors == ["customer 'alice', field '{0}': {1}. Fix: {2} or ask the provider to raise "
                      "v6only_gateway_registry.customers.alice.quotas.{3}.".format(field, message, fix, quota)]


def test_exactly_the_quota_is_allowed():
    assert run(registry(alice=dict(USAGE)))["errors"] == []


def test_a_customer_override_allows_what_the_provider_default_refuses():
    low = dict({quota: 0 for quota in USAGE}, names=1)  # bob's one name fits
    assert [e.split(",")[0] for e in run(registry(quotas=low))["errors"]] == ["customer 'alice'"] * len(USAGE)
    assert run(registry(quotas=low, alice=dict(USAGE)))["errors"] == []


def test_every_quota_exceeded_is_reported_at_once():
    errors = run(registry(alice={quota: 0 for quota in USAGE}))["errors"]
    assert [e.split(": ", 1)[1].split(".")[0] for e in errors] == [
        "4 names exceed the quota names=0", "1 ssh service exceeds the quota ssh_ports=0",
        "3 lent IPv4 addresses exceed the quota lent_addresses=0", "30 FTP data ports exceed the quota ftp_data_ports=0",
        "2 VPN peers exceed the quota vpn_peers=0"]


@pytest.mark.parametrize(("quotas", "field", "problem", "fix"), [
    ({"nmaes": 4}, "quotas.nmaes", "unknown quota",
     "did you mean `names`? Otherwise remove it; known options: names, ssh_ports, lent_addresses, ftp_data_ports, vpn_peers, nat64_ports"),
    ({"names": -1}, "quotas.names", "-1 is not a whole number from 0 up", "write a whole number from 0 up, e.g. 16"),
    ({"ssh_ports": True}, "quotas.ssh_ports", "True is not a whole number from 0 up", "write a whole number from 0 up, e.g. 2"),
    ({"vpn_peers": "4"}, "quotas.vpn_peers", "'4' is not a whole number from 0 up", "write a whole number from 0 up, e.g. 4"),
    ({"ftp_data_ports": 1.5}, "quotas.ftp_data_ports", "1.5 is not a whole number from 0 up", "write a whole number from 0 up, e.g. 200"),
    ({"nat64_ports": 0}, "quotas.nat64_ports", "0 is not a whole number from 1 to 65536", "write a whole number from 1 to 65536, e.g. 512"),
    ({"nat64_ports": 65537}, "quotas.nat64_ports", "65537 is not a whole number from 1 to 65536",
     "write a whole number from 1 to 65536, e.g. 512"),
    ([16], "quotas", "is a list, not a mapping",
     "map quota names to counts, e.g. {names: 32}; the quotas are names, ssh_ports, lent_addresses, ftp_data_ports, vpn_peers, nat64_ports"),
])
def test_bad_registry_quotas_are_refused_at_both_levels(quotas, field, problem, fix):
    provider = run(registry(quotas=quotas))
    assert provider["errors"] == ["{0}, field '{1}': {2}. Fix: {3}.".format(REGISTRY_SCOPE, field, problem, fix)]
    assert provider["model"] is None
    own = run(registry(bob=quotas))["errors"]
    assert own == ["{0}, customer 'bob', field '{1}': {2}. Fix: {3}.".format(REGISTRY_SCOPE, field, problem, fix)]


def test_a_bad_provider_value_leaves_the_default_for_the_count():
    # names=-1 is refused and names stays 16, so alice's 4 names raise no second error.
    assert len(run(registry(quotas={"names": -1}))["errors"]) == 1


def test_read_quotas_keeps_the_valid_entries_and_reports_the_rest():
    analysis = Analysis()
    quotas = read_quotas(analysis, "registry 'x'", {"names": 3, "vpn_peers": -2}, dict(QUOTA_DEFAULTS))
    assert quotas == dict(QUOTA_DEFAULTS, names=3)
    assert len(analysis.errors) == 1
    assert read_quotas(analysis, "registry 'x'", None, {"names": 1}) == {"names": 1}


def test_usage_counts_distinct_names_across_vms_and_ignores_mail_domains():
    analysis = Analysis()
    analysis.claims = [("a.example", "name", "alice", "v1", "f"), ("a.example", "name", "alice", "v2", "f"),
                       ("a.example", "zone", "alice", "v2", "f"), ("a.example", "domain", "alice", None, "f"),
                       ("b.example", "domain", "bob", None, "f")]
    analysis.ssh_ports = {2201: ("alice", "v1"), 2202: ("bob", "b1")}
    analysis.demands = {("v1", "smtp"): {"customer": "alice"}}
    analysis.rows = [{"customer": "bob", "data_ports": [30000, 30004]}, {"customer": "bob", "data_ports": None}]
    analysis.peers = [{"customer": "alice"}]
    assert customer_usage(analysis) == {
        "alice": {"names": 1, "ssh_ports": 1, "lent_addresses": 1, "ftp_data_ports": 0, "vpn_peers": 1},
        "bob": {"names": 0, "ssh_ports": 1, "lent_addresses": 0, "ftp_data_ports": 5, "vpn_peers": 0},
    }
