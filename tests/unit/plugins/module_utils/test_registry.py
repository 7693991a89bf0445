"""The provider's registry (plugins/module_utils/_registry.py): rules the hostile catalogue cannot reach.

The catalogue (tests/unit/hostile/grants.yml, names.yml, prefixes.yml) varies
one customer's grant in the lab registry; these tests write whole registries.
"""

import ipaddress

import pytest
from hypothesis import given, strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import validate
from ansible_collections.v6only.gateway.plugins.module_utils._model_settings import read_settings
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import Analysis
from ansible_collections.v6only.gateway.plugins.module_utils._registry import read_registry

SETTINGS = {"customer_prefixes": ["2001:db8:100::/48"], "gateway_ipv4": "198.51.100.20", "zone": "ip4-gw.example.net",
            "vpn_prefix": "2001:db8:200::/48"}
SCOPE = "registry 'v6only_gateway_registry'"


def alice(*names):
    return {"name": "alice", "prefix": "2001:db8:100:a::/64", "domains": ["alice.example"],
            "vms": [{"name": "alice-web", "services": [{"proto": "https", "names": list(names) or ["alice.example"]}]}]}


def grants(**customers):
    return {"customers": customers}


ALICE = {"domains": ["alice.example"], "prefixes": ["2001:db8:100:a::/64"]}


def test_the_lab_shape_is_valid_and_a_customer_may_nest_its_own_grants():
    registry = grants(alice=dict(ALICE, domains=["alice.example", "mail.alice.example"], prefixes=["2001:db8:100::/56"]))
    assert validate([alice("www.alice.example")], SETTINGS, None, registry) == []


def test_no_registry_is_one_error_naming_the_variable_and_where_it_goes():
    assert validate([alice()], SETTINGS, None, None) == [
        SCOPE + ", field 'v6only_gateway_registry': missing: no customer may use anything until the provider grants it. "
        "Fix: define v6only_gateway_registry in group_vars (inventories/<env>/group_vars/all/registry.yml) with each "
        "customer's domains and prefixes; see docs/customer-model.md, Registry."]


@pytest.mark.parametrize("registry, expected", [
    ([], SCOPE + ", field 'v6only_gateway_registry': is a list, not a mapping. Fix: set it to a mapping with `customers:`; "
     "see docs/customer-model.md, Registry."),
    ({"customer": {}, "customers": {"alice": ALICE}},
     SCOPE + ", field 'customer': unknown key. Fix: did you mean `customers`? Otherwise remove it; known options: customers, "
             "quotas, reserved_zones, require_verified."),
    ({"customers": {"Alice": ALICE, "alice": ALICE}},
     SCOPE + ", field 'customers': 'Alice' is not a usable customer name. Fix: use the customer file's name: lower-case "
             "letters, digits and hyphens."),
    ({"require_verified": "yes", "customers": {"alice": ALICE}},
     SCOPE + ", field 'require_verified': 'yes' is not true or false. Fix: write true or false."),
])
def test_a_malformed_registry_is_named_with_its_field(registry, expected):
    assert validate([alice()], SETTINGS, None, registry) == [expected]


def test_require_verified_refuses_an_unproven_grant_once_naming_the_proof_command():
    registry = dict(grants(alice=ALICE), require_verified=True)
    assert validate([alice()], SETTINGS, None, registry) == [
        SCOPE + ", customer 'alice', field 'domains[0]': alice.example has no proof of control and require_verified is true. "
        "Fix: have the customer publish TXT _v6only-challenge.alice.example, then run scripts/domain-proof check "
        "--inventory inventories/<env> --customer alice --domain alice.example --record."]
    registry["customers"]["alice"] = dict(ALICE, verified=["alice.example"])
    assert validate([alice()], SETTINGS, None, registry) == []


@pytest.mark.parametrize("alice_domain, zed_domain, problem", [
    ("shop.example.org", "example.org", "example.org holds shop.example.org, granted to customer 'alice'"),
    ("example.org", "shop.example.org", "shop.example.org is inside example.org, granted to customer 'alice'"),
])
def test_of_two_nested_domain_grants_the_first_customer_in_name_order_keeps_its_own(alice_domain, zed_domain, problem):
    registry = grants(zed={"domains": [zed_domain]}, alice={"domains": [alice_domain], "prefixes": ["2001:db8:100:a::/64"]})
    customer = dict(alice(alice_domain), domains=[alice_domain])
    assert validate([customer], SETTINGS, None, registry) == [
        SCOPE + ", customer 'zed', field 'domains[0]': " + problem + ". Fix: grant a domain to one customer only: remove it "
        "here or from customer 'alice'."]


def test_reserved_zones_are_the_providers_like_its_gateway_zone():
    registry = dict(grants(alice=dict(ALICE, domains=["alice.example", "ops.provider.example"])), reserved_zones=["provider.example"])
    assert validate([alice("status.provider.example")], SETTINGS, None, registry) == [
        SCOPE + ", customer 'alice', field 'domains[1]': ops.provider.example is inside the provider zone provider.example. "
        "Fix: remove it; grant only a domain the customer registered.",
        "customer 'alice', vm 'alice-web', field 'services[0].names[0]': status.provider.example is inside the provider zone "
        "provider.example. Fix: use a name the customer owns."]


CUSTOMERS = ("alice", "bob", "carol")
PREFIX = st.tuples(st.integers(min_value=48, max_value=64), st.integers(min_value=0, max_value=2 ** 16 - 1)).map(
    lambda p: ipaddress.IPv6Network((int(ipaddress.IPv6Address("2001:db8:100::")) + (p[1] << 64) >> (128 - p[0]) << (128 - p[0]), p[0])))


@given(st.lists(st.tuples(st.sampled_from(CUSTOMERS), PREFIX), max_size=12))
def test_effective_grants_never_overlap_and_each_refusal_is_reported(assigned):
    registry = {"customers": {}}
    for customer, prefix in assigned:
        registry["customers"].setdefault(customer, {"prefixes": []})["prefixes"].append(str(prefix))
    analysis = Analysis()
    read_settings(analysis, SETTINGS)
    read_registry(analysis, registry)
    kept = [(name, p) for name, grant in analysis.grants.items() for p in grant["prefixes"]]
    assert not any(a != b and p.overlaps(q) for a, p in kept for b, q in kept)
    refused = sum(len(grant["refused_prefixes"]) for grant in analysis.grants.values())
    assert len(analysis.errors) == refused
    # The first customer in name order never loses a prefix to a later one.
    first = min(registry["customers"], default=None)
    if first is not None:
        assert analysis.grants[first]["refused_prefixes"] == []
