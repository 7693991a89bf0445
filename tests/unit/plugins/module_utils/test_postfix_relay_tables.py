"""relay_tables turns the customer model's relay rows into Postfix relay, transport and smarthost tables."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.v6only.gateway.plugins.filter.postfix_relay_tables import FilterModule
from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import build_model
from granted import registry_for
from ansible_collections.v6only.gateway.plugins.module_utils._postfix_relay import class_name, relay_tables

SETTINGS = {
    "nat64_prefix": "2001:db8:46::/96",
    "customer_prefixes": ["2001:db8:100::/48"],
    "gateway_ipv4": "198.51.100.20",
    "gateway_ipv6": "2001:db8:10::20",
    "zone": "ip4-gw.example.net",
    "carries": {"smtp": "relay"},
}
CUSTOMERS = [
    {"name": "bob", "domains": ["bob.example"], "vms": [
        {"name": "bob-app", "ipv6": "2001:db8:100:b::20", "services": []}]},
    {"name": "alice", "domains": ["Alice.example", "alice.example.org"], "vms": [
        {"name": "alice-mx2", "ipv6": "2001:db8:100:a::11", "services": [{"proto": "smtp", "port": 2525}]},
        {"name": "alice-mx1", "ipv6": "2001:db8:100:a::10", "services": [{"proto": "smtp"}]},
        {"name": "alice-web", "ipv6": "2001:db8:100:a::9", "services": [{"proto": "https", "names": ["alice.example"]}]}]},
    {"name": "carol", "vms": [{"name": "carol-web", "ipv6": "2001:db8:100:c::1", "services": []}]},
]


def tables(customers=CUSTOMERS, **kwargs):
    model = build_model(customers, SETTINGS, None, registry_for(customers, SETTINGS))
    return relay_tables(model["tables"]["postfix_relay"], model["customers"], model["vms"], **kwargs)


def test_relay_domains_go_to_every_smtp_vm_of_the_customer():
    out = tables()
    assert out["relay_domains"] == ["alice.example", "alice.example.org"]
    assert out["transport"] == [
        {"domain": "alice.example", "nexthop": "relay:[2001:db8:100:a::10]:25, [2001:db8:100:a::11]:2525"},
        {"domain": "alice.example.org", "nexthop": "relay:[2001:db8:100:a::10]:25, [2001:db8:100:a::11]:2525"},
    ]


def test_every_vm_of_a_customer_with_domains_may_send_as_that_customer_only():
    out = tables()
    assert [(c["network"], c["address"], c["class"], c["vm"], c["customer"]) for c in out["clients"]] == [
        ("2001:db8:100:a::9/128", "2001:db8:100:a::9", "postfix_relay_customer_alice", "alice-web", "alice"),
        ("2001:db8:100:a::10/128", "2001:db8:100:a::10", "postfix_relay_customer_alice", "alice-mx1", "alice"),
        ("2001:db8:100:a::11/128", "2001:db8:100:a::11", "postfix_relay_customer_alice", "alice-mx2", "alice"),
        ("2001:db8:100:b::20/128", "2001:db8:100:b::20", "postfix_relay_customer_bob", "bob-app", "bob"),
    ]
    assert all(list(c) == ["network", "address", "class", "vm", "customer", "senders"] for c in out["clients"])
    assert out["classes"] == [
        {"name": "postfix_relay_customer_alice", "customer": "alice", "senders": ["alice.example", "alice.example.org"]},
        {"name": "postfix_relay_customer_bob", "customer": "bob", "senders": ["bob.example"]},
    ]


def test_each_vm_may_name_in_header_from_exactly_the_envelope_domains_of_its_customer():
    out = tables()
    senders = {c["name"]: c["senders"] for c in out["classes"]}
    assert {c["address"]: c["senders"] for c in out["clients"]} == {
        "2001:db8:100:a::9": ["alice.example", "alice.example.org"],
        "2001:db8:100:a::10": ["alice.example", "alice.example.org"],
        "2001:db8:100:a::11": ["alice.example", "alice.example.org"],
        "2001:db8:100:b::20": ["bob.example"],
    }
    assert all(c["senders"] == senders[c["class"]] for c in out["clients"])


def test_header_from_keys_are_the_addresses_as_rspamd_prints_them():
    """rspamd looks the client up by its RFC 5952 text (inet_ntop), domains in lower case."""
    vms = [{"customer": "dora", "name": "dora-1", "ipv6": "2001:DB8:0100:000d:0:0:0:0010"}]
    out = relay_tables([], [{"name": "dora", "domains": ["Dora.Example."]}], vms)
    assert [(c["address"], c["senders"]) for c in out["clients"]] == [("2001:db8:100:d::10", ["dora.example"])]


def test_dns_advice_names_the_gateway_names_of_relay_rows():
    out = tables()
    assert out["dns"] == [
        {"customer": "alice", "domains": ["alice.example", "alice.example.org"],
         "mx": ["smtp-alice-mx1-ip4-gw.ip4-gw.example.net", "smtp-alice-mx2-ip4-gw.ip4-gw.example.net"]},
        {"customer": "bob", "domains": ["bob.example"], "mx": []},
    ]


def test_same_input_in_any_order_gives_the_same_tables():
    assert tables(list(reversed(CUSTOMERS))) == tables()


def test_static_transports_join_but_never_override_a_customer_domain():
    out = tables(static_transports={"Example.NET.": "smtp:[198.51.100.131]:25"})
    assert {"domain": "example.net", "nexthop": "smtp:[198.51.100.131]:25"} in out["transport"]
    assert "example.net" not in out["relay_domains"]
    with pytest.raises(ValueError, match="alice.example: the domain is relayed to customer alice"):
        tables(static_transports={"alice.example": "smtp:[198.51.100.131]:25"})


def test_rows_of_other_roles_are_refused():
    row = {"id": "x/https/tcp/443", "routing": "sni"}
    with pytest.raises(ValueError, match="not served by postfix_relay"):
        relay_tables([row], [], [])


def test_one_domain_for_two_customers_is_refused():
    row = {"routing": "relay", "backend_ipv6": "2001:db8::1", "backend_port": 25, "gateway_name": "g"}
    rows = [dict(row, id="a/smtp/tcp/25", customer="a", match=["x.example"]),
            dict(row, id="b/smtp/tcp/25", customer="b", match=["x.example"])]
    with pytest.raises(ValueError, match="already relayed for customer a"):
        relay_tables(rows, [], [])


def test_class_names_are_parameter_safe_and_collisions_refused():
    assert class_name("Al-ice.1") == "postfix_relay_customer_al_ice_1"
    with pytest.raises(ValueError, match="share the class name"):
        relay_tables([], [{"name": "a-b", "domains": ["a.example"]}, {"name": "a_b", "domains": ["b.example"]}], [])


def test_filter_wraps_errors():
    flt = FilterModule().filters()["postfix_relay_tables"]
    with pytest.raises(AnsibleFilterError, match="postfix_relay_tables: "):
        flt([{"id": "x", "routing": "lend"}], [], [])
    assert flt([], [], [])["transport"] == []
