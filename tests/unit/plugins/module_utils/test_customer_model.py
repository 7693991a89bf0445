"""Validation messages, the forward table and its determinism."""

import copy
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings as hsettings, strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import CATALOGUE, ROUTING_ROLES, SERVING_ROLES
from ansible_collections.v6only.gateway.plugins.plugin_utils._customer_files import load_customer_files
from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import CustomerModelError, format_errors
from ansible_collections.v6only.gateway.plugins.module_utils import _customer_model
from ansible_collections.v6only.gateway.plugins.module_utils._model_quotas import QUOTA_DEFAULTS
from granted import registry_for

ROOT = Path(__file__).resolve().parents[4]
KEY_A = "LhW0BSXEYOKCzQfzGDei2/kA/FPd1DqPToTA1LtsUMI="
KEY_B = "uBh6jZfLS7EeRnNDnKT3KRvzmC7fr5vI5rrT0zCbDjw="
ROW_KEYS = ["id", "customer", "vm", "proto", "routing", "served_by", "transport", "listen_ipv4", "listen_port",
            "match", "backend_ipv6", "backend_port", "backend", "proxy_protocol", "data_ports", "gateway_name"]
ERROR_SHAPE = re.compile(r"^(customer '[^']+'(, vm '[^']+')?|settings 'v6only_gateway'|lease \d+|customers), "
                         r"field '[^']+': .+\. Fix: .+\.$")

SETTINGS = {
    "customer_prefixes": ["2001:db8:100::/48"],
    "gateway_ipv4": "198.51.100.20",
    "zone": "ip4-gw.example.net",
    "vpn_prefix": "2001:db8:200::/48",
    "lending_pool": ["198.51.100.40", "198.51.100.41"],
}


def validate(customers, settings=None, leases=None):
    """The model's errors, with a registry granting each customer what it claims (tests/unit/granted.py)."""
    return _customer_model.validate(customers, settings, leases, registry_for(customers, settings))


def build_model(customers, settings=None, leases=None):
    return _customer_model.build_model(customers, settings, leases, registry_for(customers, settings))


def vm(name, ipv6, *services, **extra):
    return dict({"name": name, "ipv6": ipv6, "services": list(services)}, **extra)


def customer(name, *vms, **extra):
    return dict({"name": name, "vms": list(vms)}, **extra)


def alice(*services, **extra):
    services = services or ({"proto": "https", "names": ["alice.example"]},)
    return customer("alice", vm("alice-web", "2001:db8:100:a::10", *services),
                    **dict({"prefix": "2001:db8:100:a::/64", "domains": ["alice.example"]}, **extra))


def bob(*services, **extra):
    services = services or ({"proto": "https", "names": ["bob.example"]},)
    return customer("bob", vm("bob-web", "2001:db8:100:b::10", *services),
                    **dict({"prefix": "2001:db8:100:b::/64", "domains": ["bob.example"]}, **extra))


def only_error(customers, settings=None, leases=None):
    errors = validate(customers, SETTINGS if settings is None else settings, leases)
    assert len(errors) == 1, errors
    assert ERROR_SHAPE.match(errors[0]), errors[0]
    return errors[0]


def with_settings(**changes):
    out = copy.deepcopy(SETTINGS)
    out.update(changes)
    return out


# -- the valid path -------------------------------------------------------------

def test_a_valid_inventory_has_no_errors():
    assert validate([alice(), bob()], SETTINGS) == []


def test_row_has_every_contract_field_in_order():
    row = build_model([alice({"proto": "https", "names": ["alice.example", "www.alice.example"], "proxy_protocol": True})],
                      SETTINGS)["rows"][0]
    assert list(row) == ROW_KEYS
    assert row == {
        "id": "alice-web/https/tcp/443",
        "customer": "alice",
        "vm": "alice-web",
        "proto": "https",
        "routing": "sni",
        "served_by": "haproxy_sni",
        "transport": "tcp",
        "listen_ipv4": "198.51.100.20",
        "listen_port": 443,
        "match": ["alice.example", "www.alice.example"],
        "backend_ipv6": "2001:db8:100:a::10",
        "backend_port": 443,
        "backend": "[2001:db8:100:a::10]:443",
        "proxy_protocol": True,
        "data_ports": None,
        "gateway_name": "https-alice-web-ip4-gw.ip4-gw.example.net",
    }


def test_model_top_level_keys_and_settings_defaults():
    model = build_model([alice()], SETTINGS)
    assert list(model) == ["nat64_prefix", "allowed_sources", "settings", "customers", "vms", "rows", "tables", "dns_records",
                           "lend_demands", "vpn_peers", "summary", "digest"]
    assert model["nat64_prefix"] == "64:ff9b::/96"
    assert model["allowed_sources"] == ["2001:db8:100::/48", "2001:db8:200::/48"]
    assert build_model([alice()], with_settings(vpn_prefix=None))["allowed_sources"] == ["2001:db8:100::/48"]
    assert model["settings"]["dns_ttl"] == 300
    assert model["settings"]["carries"] == {}
    assert list(model["tables"]) == list(SERVING_ROLES)
    assert model["customers"] == [{"name": "alice", "prefix": "2001:db8:100:a::/64", "domains": ["alice.example"],
                                   "vms": ["alice-web"], "quotas": QUOTA_DEFAULTS}]
    assert model["vms"] == [{"customer": "alice", "name": "alice-web", "ipv6": "2001:db8:100:a::10", "duid": None,
                             "mac": None}]


def test_addresses_and_names_are_normalised():
    c = customer("alice", vm("alice-web", "2001:0DB8:0100:000A:0000:0000:0000:0010",
                             {"proto": "http", "names": ["WWW.Alice.Example."]},
                             duid="00:03:00:01:02:00:00:00:0A:10"))
    model = build_model([c], SETTINGS)
    assert model["rows"][0]["backend"] == "[2001:db8:100:a::10]:80"
    assert model["rows"][0]["match"] == ["www.alice.example"]
    assert model["vms"][0]["duid"] == "00:03:00:01:02:00:00:00:0a:10"


def test_ssh_listens_on_its_gateway_port_and_ports_can_be_overridden():
    model = build_model([alice({"proto": "ssh", "gateway_port": 2201, "port": 2222})], SETTINGS)
    row = model["rows"][0]
    assert (row["id"], row["routing"], row["listen_port"], row["backend"]) == (
        "alice-web/ssh/tcp/2201", "port", 2201, "[2001:db8:100:a::10]:2222")


def test_dns_rows_match_zones():
    row = build_model([alice({"proto": "dns", "zones": ["alice.example"]})], SETTINGS)["rows"][0]
    assert (row["id"], row["served_by"], row["match"]) == ("alice-web/dns/udp+tcp/53", "dnsdist_authoritative",
                                                           ["alice.example"])


def test_ftps_keeps_its_passive_range():
    row = build_model([alice({"proto": "ftps", "names": ["ftp.alice.example"], "data_ports": [30000, 30009]})],
                      SETTINGS)["rows"][0]
    assert row["data_ports"] == [30000, 30009]


def test_custom_udp_and_tcp_becomes_one_demand_with_two_ports():
    model = build_model([alice({"proto": "custom", "port": 5060, "transport": "udp+tcp"},
                               {"proto": "custom", "port": 5432, "transport": "tcp"})], SETTINGS)
    assert [r["id"] for r in model["rows"]] == ["alice-web/custom/tcp/5432", "alice-web/custom/udp+tcp/5060"]
    assert model["lend_demands"] == [{"vm": "alice-web", "customer": "alice", "proto": "custom", "data_ports": None,
                                      "ports": [{"transport": "tcp", "port": 5060}, {"transport": "tcp", "port": 5432},
                                                {"transport": "udp", "port": 5060}]}]


def test_ipv6_is_derived_from_the_name_when_only_a_prefix_is_given():
    c = customer("alice", {"name": "alice-web", "services": []}, prefix="2001:db8:100:a::/64")
    first = build_model([c], SETTINGS)["vms"][0]["ipv6"]
    c2 = customer("alice", {"name": "alice-db", "services": []}, {"name": "alice-web", "services": []},
                  prefix="2001:db8:100:a::/64")
    again = {v["name"]: v["ipv6"] for v in build_model([c2], SETTINGS)["vms"]}
    assert first.startswith("2001:db8:100:a:")
    assert again["alice-web"] == first


def test_vpn_peer_gets_the_nth_64():
    c = alice()
    c["vms"][0]["vpn_peers"] = [{"name": "alice-laptop", "index": 3, "public_key": KEY_A}]
    assert build_model([c], SETTINGS)["vpn_peers"] == [{
        "customer": "alice", "vm": "alice-web", "name": "alice-laptop", "index": 3, "public_key": KEY_A,
        "prefix": "2001:db8:200:3::/64"}]


def test_inline_customers_work_like_files():
    assert validate([{"name": "alice", "vms": []}], SETTINGS) == []


# -- leases ---------------------------------------------------------------------

def test_lend_row_without_lease_listens_nowhere_and_has_no_record():
    model = build_model([alice({"proto": "smtp"})], SETTINGS)
    assert model["rows"][0]["listen_ipv4"] is None
    assert model["tables"]["ipv4_lending"][0]["listen_ipv4"] is None
    assert model["dns_records"] == []
    assert model["lend_demands"] == [{"vm": "alice-web", "customer": "alice", "proto": "smtp",
                                      "ports": [{"transport": "tcp", "port": 25}], "data_ports": None}]


def test_lend_row_takes_the_active_lease():
    leases = [{"address": "198.51.100.41", "vm": "alice-web", "proto": "smtp", "state": "draining",
               "expires": "2026-12-02T17:00:00Z"},
              {"address": "198.51.100.40", "vm": "alice-web", "proto": "smtp", "state": "active"},
              {"address": "198.51.100.41", "vm": "gone-vm", "proto": "smtp", "state": "active"}]
    model = build_model([alice({"proto": "smtp"})], SETTINGS, leases)
    assert model["rows"][0]["listen_ipv4"] == "198.51.100.40"
    assert model["dns_records"] == [{"name": "smtp-alice-web-ip4-gw.ip4-gw.example.net", "type": "A",
                                     "value": "198.51.100.40", "ttl": 300}]


def test_a_draining_lease_alone_gives_no_address():
    leases = [{"address": "198.51.100.41", "vm": "alice-web", "proto": "smtp", "state": "draining",
               "expires": "2026-12-02T17:00:00Z"}]
    assert build_model([alice({"proto": "smtp"})], SETTINGS, leases)["rows"][0]["listen_ipv4"] is None


def test_two_active_leases_for_one_pair_is_an_error():
    leases = [{"address": "198.51.100.40", "vm": "alice-web", "proto": "smtp", "state": "active"},
              {"address": "198.51.100.41", "vm": "alice-web", "proto": "smtp", "state": "active"}]
    assert only_error([alice({"proto": "smtp"})], leases=leases) == (
        "lease 1, field 'state': vm 'alice-web' proto 'smtp' has two active leases (198.51.100.40 and "
        "198.51.100.41). Fix: keep one active lease per (vm, proto); set the other to draining.")


# -- carries --------------------------------------------------------------------

def test_carries_smtp_relay_moves_smtp_rows_to_postfix_relay():
    s = with_settings(carries={"smtp": "relay"})
    leases = [{"address": "198.51.100.40", "vm": "alice-web", "proto": "smtp", "state": "active"}]
    model = build_model([alice({"proto": "smtp"}, {"proto": "submission"})], s, leases)
    smtp = [r for r in model["rows"] if r["proto"] == "smtp"][0]
    assert (smtp["routing"], smtp["served_by"], smtp["listen_ipv4"], smtp["listen_port"], smtp["match"]) == (
        "relay", "postfix_relay", "198.51.100.20", 25, ["alice.example"])
    assert [r["proto"] for r in model["tables"]["postfix_relay"]] == ["smtp"]
    assert [r["proto"] for r in model["tables"]["ipv4_lending"]] == ["submission"]
    # No demand, so ipv4_lending drains the smtp lease.
    assert [d["proto"] for d in model["lend_demands"]] == ["submission"]
    assert {"name": "smtp-alice-web-ip4-gw.ip4-gw.example.net", "type": "A", "value": "198.51.100.20",
            "ttl": 300} in model["dns_records"]


def test_relay_needs_mail_domains():
    c = alice({"proto": "smtp"})
    c["domains"] = []
    assert only_error([c], with_settings(carries={"smtp": "relay"})) == (
        "customer 'alice', field 'domains': is empty but the gateway relays smtp for every customer. "
        "Fix: list the customer's mail domains under `domains:`.")


def test_carrying_what_the_gateway_cannot_is_an_error():
    assert only_error([alice()], with_settings(carries={"imap": "relay"})) == (
        "settings 'v6only_gateway', field 'carries.imap': the gateway cannot carry 'imap'. Fix: carry only one of: smtp.")
    assert only_error([alice()], with_settings(carries={"smtp": "sni"})) == (
        "settings 'v6only_gateway', field 'carries.smtp': 'sni' is not a way to carry smtp. Fix: use one of: relay.")


# -- determinism ------------------------------------------------------------------

def _lab():
    settings = yaml.safe_load((ROOT / "inventories/lab/group_vars/all/v6only_gateway.yml").read_text())["v6only_gateway"]
    return load_customer_files(str(ROOT / "inventories/lab/customers")), settings


def _registry_of(inventory):
    return yaml.safe_load((ROOT / "inventories" / inventory / "group_vars/all/registry.yml").read_text())["v6only_gateway_registry"]


def test_same_input_gives_byte_identical_output_whatever_the_order():
    customers, settings = _lab()
    first = json.dumps(build_model(customers, settings))
    assert json.dumps(build_model(copy.deepcopy(customers), copy.deepcopy(settings))) == first
    assert json.dumps(build_model(list(reversed(customers)), settings)) == first
    assert yaml.safe_dump(build_model(customers, settings)) == yaml.safe_dump(build_model(customers, settings))


def test_the_yaml_dump_has_no_anchors():
    customers, settings = _lab()
    assert "&id" not in yaml.safe_dump(build_model(customers, settings))


def test_build_does_not_modify_its_input():
    customers, settings = _lab()
    before = copy.deepcopy((customers, settings))
    build_model(customers, settings)
    assert (customers, settings) == before


def test_golden_lab_model():
    """The lab inventory's model; regenerate with UPDATE_GOLDEN=1 after an intended change."""
    golden = ROOT / "tests/unit/fixtures/lab_model.json"
    customers, settings = _lab()
    text = json.dumps(_customer_model.build_model(customers, settings, None, _registry_of("lab")), indent=2) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_lab_uses_every_catalogue_protocol():
    customers, settings = _lab()
    assert {r["proto"] for r in build_model(customers, settings)["rows"]} == set(CATALOGUE)


def test_example_inventory_is_valid():
    settings = yaml.safe_load((ROOT / "inventories/example/group_vars/all/v6only_gateway.yml").read_text())["v6only_gateway"]
    customers = load_customer_files(str(ROOT / "inventories/example/customers"))
    assert _customer_model.validate(customers, settings, None, _registry_of("example")) == []


# -- properties -------------------------------------------------------------------

NAMED = sorted(p for p, e in CATALOGUE.items() if "names" in e["needs"])


def _service(proto, cust, i):
    svc = {"proto": proto}
    if "names" in CATALOGUE[proto]["needs"]:
        svc["names"] = ["{0}.{1}.example".format(proto, cust)]
    if "zones" in CATALOGUE[proto]["needs"]:
        svc["zones"] = ["{0}.example".format(cust)]
    if "gateway_port" in CATALOGUE[proto]["needs"]:
        svc["gateway_port"] = 2200 + i
    if "data_ports" in CATALOGUE[proto]["needs"]:
        svc["data_ports"] = [30000 + 20 * i + (10 if proto == "ftp" else 0)] * 2
    if proto == "custom":
        svc.update(port=5000 + i, transport="tcp")
    return svc


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.sets(st.sampled_from(sorted(CATALOGUE)), min_size=1), min_size=1, max_size=12))
def test_generated_inventories_give_a_consistent_table(proto_sets):
    customers = []
    for i, protos in enumerate(proto_sets):
        name = "c{0}".format(i)
        customers.append(customer(name, vm(name + "-vm", "2001:db8:100:{0:x}::10".format(i + 1),
                                           *[_service(p, name, i) for p in sorted(protos)])))
    settings = with_settings(lending_pool=["198.51.100.{0}".format(n) for n in range(40, 60)])
    # Every lent protocol on one VM is more lend demands than the default quota allows.
    lent = sum(1 for entry in CATALOGUE.values() if entry["routing"] == "lend")
    model = _customer_model.build_model(customers, settings, None, registry_for(customers, settings, quotas={"lent_addresses": lent}))
    rows = model["rows"]
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert sum(len(t) for t in model["tables"].values()) == len(rows)
    for role, table in model["tables"].items():
        assert all(r["served_by"] == role == ROUTING_ROLES[r["routing"]] for r in table)
    keys = [(r["customer"], r["vm"], r["proto"], r["transport"], r["listen_port"]) for r in rows]
    assert keys == sorted(keys)
    lend = {(r["vm"], r["proto"]) for r in rows if r["routing"] == "lend"}
    assert {(d["vm"], d["proto"]) for d in model["lend_demands"]} == lend
    assert len({d["name"] for d in model["dns_records"]}) == len(model["dns_records"])
    assert {r["proto"] for r in rows} == set().union(*proto_sets)


# -- every validation error, with its message ---------------------------------------

def test_malformed_ipv6():
    c = customer("alice", vm("alice-web", "2001:db8:100:a::1g"))
    assert only_error([c]) == ("customer 'alice', vm 'alice-web', field 'ipv6': '2001:db8:100:a::1g' is not an IPv6 "
                               "address. Fix: write a global IPv6 address such as 2001:db8:100:a::10.")


def test_malformed_ipv4():
    assert only_error([alice()], with_settings(gateway_ipv4="198.51.100.256")) == (
        "settings 'v6only_gateway', field 'gateway_ipv4': '198.51.100.256' is not an IPv4 address. "
        "Fix: set the gateway's shared inbound IPv4 address, e.g. 198.51.100.20.")
    assert only_error([alice()], with_settings(lending_pool=["198.51.100.40", "x"])) == (
        "settings 'v6only_gateway', field 'lending_pool[1]': 'x' is not an IPv4 address. "
        "Fix: write a dotted-quad address such as 198.51.100.40.")


def test_vm_outside_customer_prefix():
    c = alice()
    c["vms"][0]["ipv6"] = "2001:db8:100:c::10"
    assert only_error([c]) == ("customer 'alice', vm 'alice-web', field 'ipv6': 2001:db8:100:c::10 is outside the "
                               "customer prefix 2001:db8:100:a::/64. Fix: use an address inside 2001:db8:100:a::/64.")


def test_vm_outside_provider_prefixes():
    c = customer("alice", vm("alice-web", "2001:db8:999::10"))
    assert only_error([c]) == ("customer 'alice', vm 'alice-web', field 'ipv6': 2001:db8:999::10 is outside the "
                               "provider's customer prefixes (2001:db8:100::/48). "
                               "Fix: use an address the provider assigned to customers.")


def test_customer_prefix_outside_provider_prefixes():
    c = customer("alice", prefix="2001:db8:999::/64")
    assert only_error([c]) == ("customer 'alice', field 'prefix': 2001:db8:999::/64 is outside the provider's customer "
                               "prefixes (2001:db8:100::/48). Fix: take the prefix from one of the provider's customer "
                               "prefixes.")


def test_two_vms_with_one_address():
    c = alice()
    c["vms"].append(vm("alice-db", "2001:db8:100:a::10"))
    assert only_error([c]) == (
        "customer 'alice', vm 'alice-db', field 'ipv6': 2001:db8:100:a::10 is already the address of vm 'alice-web' "
        "(customer 'alice'). Fix: give every VM its own address.")


def test_another_customers_address_is_refused_as_theirs_not_as_a_duplicate():
    b = bob()
    b["vms"][0]["ipv6"] = "2001:db8:100:a::10"
    b["prefix"] = None
    assert only_error([alice(), b]) == (
        "customer 'bob', vm 'bob-web', field 'ipv6': address 2001:db8:100:a::10 is inside 2001:db8:100:a::/64, granted to "
        "customer 'alice'. Fix: ask the provider to grant bob a prefix of its own in v6only_gateway_registry.customers.bob.prefixes.")


def test_name_routed_twice_on_one_port():
    c = alice()
    c["vms"].append(vm("alice-blog", "2001:db8:100:a::11", {"proto": "doh", "names": ["alice.example"]}))
    assert only_error([c]) == (
        "customer 'alice', vm 'alice-blog', field 'services[0].names[0]': alice.example on port 443 is already routed "
        "to vm 'alice-web' (services[0].names[0]). Fix: route each name on a port to one service; remove this one.")


def test_same_name_on_two_ports_is_fine():
    assert validate([alice({"proto": "http", "names": ["alice.example"]},
                           {"proto": "https", "names": ["alice.example"]})], SETTINGS) == []


def test_zone_claimed_twice():
    c = alice({"proto": "dns", "zones": ["alice.example"]})
    c["vms"].append(vm("alice-ns2", "2001:db8:100:a::53", {"proto": "dns", "zones": ["alice.example"]}))
    assert only_error([c]) == (
        "customer 'alice', vm 'alice-ns2', field 'services[0].zones[0]': alice.example is already served by vm "
        "'alice-web' (services[0].zones[0]). Fix: serve each zone from one VM; remove this one.")


def test_unknown_customer_and_vm_options():
    c = alice(note="x")
    c["vms"][0]["cpu"] = 2
    assert validate([c], SETTINGS) == [
        "customer 'alice', field 'note': unknown option. Fix: remove it; known options: name, prefix, domains, vms.",
        "customer 'alice', vm 'alice-web', field 'cpu': unknown option. "
        "Fix: remove it; known options: name, ipv6, duid, mac, services, vpn_peers."]


def test_unknown_options_at_every_level_say_what_was_meant():
    c = alice({"proto": "https", "names": ["alice.example"], "nmaes": ["x"]}, domians=[])
    c["vms"][0]["servies"] = []
    c = _peer(c, name="a-laptop", index=1, public_key=KEY_A, pubkey="x")
    assert validate([c], SETTINGS) == [
        "customer 'alice', field 'domians': unknown option. Fix: did you mean `domains`? Otherwise remove it; "
        "known options: name, prefix, domains, vms.",
        "customer 'alice', vm 'alice-web', field 'servies': unknown option. Fix: did you mean `services`? Otherwise "
        "remove it; known options: name, ipv6, duid, mac, services, vpn_peers.",
        "customer 'alice', vm 'alice-web', field 'services[0].nmaes': unknown option. Fix: did you mean `names`? "
        "Otherwise remove it; known options: proto, names, proxy_protocol, port.",
        "customer 'alice', vm 'alice-web', field 'vpn_peers[0].pubkey': unknown option. Fix: did you mean "
        "`public_key`? Otherwise remove it; known options: name, index, public_key."]


def test_no_log_is_one_boolean_switch_that_defaults_to_true():
    assert build_model([alice()], SETTINGS)["settings"]["no_log"] is True
    assert build_model([alice()], with_settings(no_log=False))["settings"]["no_log"] is False
    assert only_error([alice()], with_settings(no_log="no")) == (
        "settings 'v6only_gateway', field 'no_log': 'no' is not true or false. "
        "Fix: write true to hide secrets in task output, false only to debug.")


def test_empty_names_where_routing_needs_names():
    assert only_error([alice({"proto": "https", "names": []})]) == (
        "customer 'alice', vm 'alice-web', field 'services[0].names': is empty, but this protocol is routed by name. "
        "Fix: list the DNS names clients use, e.g. [www.alice.example].")
    assert only_error([alice({"proto": "http"})]).startswith(
        "customer 'alice', vm 'alice-web', field 'services[0].names': is empty")


def loaded(entry, path):
    """`entry` as the customer_files lookup returns it: the file's content apart from the loader's word on it."""
    content = {k: v for k, v in entry.items() if k != "name"}
    return {"name": entry["name"], "file": path, "error": None, "content": content}


def test_file_that_is_not_a_mapping():
    bad = {"name": "carol", "file": "customers/carol.yml", "error": "is a list, not a mapping", "content": None}
    assert only_error([alice(), bad]) == (
        "customer 'carol', field '(file)': customers/carol.yml is a list, not a mapping. "
        "Fix: make the file one plain YAML mapping of at most 256 KiB, without anchors or aliases, "
        "with the keys prefix, domains, vms.")


def test_customer_loaded_twice():
    first = loaded(alice(), "customers/alice.yaml")
    second = loaded(alice(), "customers/alice.yml")
    assert only_error([first, second]) == (
        "customer 'alice', field 'name': customer loaded twice (from customers/alice.yaml and from "
        "customers/alice.yml). Fix: keep exactly one file per customer; delete or rename the other one.")


def test_a_name_in_the_file_must_be_its_file_name():
    alicia = loaded(dict(alice(), name="alice"), "customers/alice.yml")
    alicia["content"]["name"] = "alicia"
    assert only_error([alicia]) == (
        "customer 'alice', field 'name': the file says name 'alicia' but its file name says 'alice'. "
        "Fix: remove `name:` from the file; the file name is the customer name.")
    assert validate([loaded(alice(), "customers/alice.yml")], SETTINGS) == []


def test_duplicate_vm_name():
    b = bob()
    b["vms"][0]["name"] = "alice-web"
    assert only_error([alice(), b]) == (
        "customer 'bob', vm 'alice-web', field 'name': VM name already used by customer 'alice'. "
        "Fix: give every VM a globally unique name.")


def test_vm_name_too_long_for_a_gateway_label():
    c = customer("alice", vm("a" * 50, "2001:db8:100:a::10"))
    assert only_error([c]).endswith("Fix: use up to 45 lower-case letters, digits and hyphens (it becomes part of a "
                                    "DNS label).")


def test_custom_needs_port_and_transport():
    assert validate([alice({"proto": "custom"})], SETTINGS) == [
        "customer 'alice', vm 'alice-web', field 'services[0].transport': None is not a transport. "
        "Fix: use one of: tcp, udp, udp+tcp.",
        "customer 'alice', vm 'alice-web', field 'services[0].port': None is not a port number. "
        "Fix: give the service's port, 1-65535."]


def test_services_sharing_a_backend_port_agree_on_proxy_protocol():
    assert only_error([alice({"proto": "https", "names": ["alice.example"], "proxy_protocol": True},
                             {"proto": "doh", "names": ["doh.alice.example"]})]) == (
        "customer 'alice', vm 'alice-web', field 'services[1].proxy_protocol': doh sends no PROXY header to tcp port "
        "443, where services[0] (https) sends PROXY headers. Fix: set the same proxy_protocol on both, or point one "
        "at another backend `port`.")
    assert validate([alice({"proto": "https", "names": ["alice.example"], "proxy_protocol": True},
                           {"proto": "doh", "names": ["doh.alice.example"], "port": 8443})], SETTINGS) == []


def test_unquoted_mac_read_as_number():
    c = alice()
    c["vms"][0]["mac"] = 2715843
    assert only_error([c]) == (
        "customer 'alice', vm 'alice-web', field 'mac': is a number; YAML reads unquoted colon-separated digits as a "
        "number. Fix: write it as six colon-separated hex octets in quotes, e.g. \"02:00:00:00:0a:10\".")


def _peer(c, **peer):
    c["vms"][0]["vpn_peers"] = [peer]
    return c


def test_vpn_peers_need_a_vpn_prefix():
    s = with_settings()
    del s["vpn_prefix"]
    assert only_error([_peer(alice(), name="a-laptop", index=1, public_key=KEY_A)], s) == (
        "customer 'alice', vm 'alice-web', field 'vpn_peers[0]': VPN peers need settings vpn_prefix. "
        "Fix: set v6only_gateway.vpn_prefix, e.g. 2001:db8:200::/48.")


def test_lend_demands_on_different_ports_stack_on_one_address():
    assert validate([alice({"proto": "smtp"}), bob({"proto": "imap"})], with_settings(lending_pool=["198.51.100.40"])) == []


def test_overlapping_ftp_ranges_count_against_the_pool():
    assert only_error([alice({"proto": "ftp", "data_ports": [30000, 30010]}),
                       bob({"proto": "ftp", "data_ports": [30010, 30020]}, {"proto": "smtp"})],
                      with_settings(lending_pool=["198.51.100.40"])).startswith(
        "settings 'v6only_gateway', field 'lending_pool': 1 address but 2 lend demands need tcp port 21.")


def test_build_raises_with_every_error():
    with pytest.raises(CustomerModelError) as raised:
        build_model([alice({"proto": "gopher"}), bob({"proto": "ssh"})], SETTINGS)
    assert len(raised.value.errors) == 2
    assert str(raised.value).splitlines()[0] == "The customer model has 2 errors; no host was changed:"
    assert format_errors(["x"]).splitlines() == ["The customer model has 1 error; no host was changed:", "- x"]


# -- the broken fixture inventory ------------------------------------------------------

def test_broken_inventory_reports_every_error_at_once():
    inventory = ROOT / "tests/fixtures/broken_inventory"
    settings = yaml.safe_load((inventory / "group_vars/all/v6only_gateway.yml").read_text())["v6only_gateway"]
    customers = load_customer_files(str(inventory / "customers"))
    errors = [e.replace(str(inventory) + "/", "") for e in validate(customers, settings)]
    for error in errors:
        assert ERROR_SHAPE.match(error), error
    expected = [
        "settings 'v6only_gateway', field 'dns_tll': unknown setting.",
        "settings 'v6only_gateway', field 'lending_pool[1]': '198.51.100.300' is not an IPv4 address.",
        "customer 'alice', vm 'alice-web', field 'mac': is a number;",
        "customer 'alice', vm 'alice-web', field 'services[0].names': is empty,",
        "customer 'alice', vm 'alice-web', field 'services[1].proxy_protocl': unknown option.",
        "customer 'alice', vm 'alice-web', field 'services[3].proto': unknown protocol 'gopher'.",
        "customer 'alice', vm 'alice-web', field 'services[5].names': option does not apply to imap.",
        "customer 'alice', vm 'alice-web', field 'name': VM name already used by customer 'alice'.",
        "customer 'alice', vm 'alice-db', field 'ipv6': 2001:db8:100:a::10 is already the address of vm 'alice-web'",
        "customer 'alice', vm 'alice-old', field 'ipv6': 2001:db8:100:c::10 is outside the customer prefix",
        "customer 'bob', vm 'bob-web', field 'ipv6': '2001:db8:100:b::1g' is not an IPv6 address.",
        "customer 'bob', vm 'bob-web', field 'services[0].names[0]': www.alice.example is granted to customer 'alice'.",
        "customer 'bob', vm 'bob-web', field 'services[1].zones[1]': lab.alice.example is inside alice.example, granted "
        "to customer 'alice'.",
        "customer 'bob', vm 'bob-web', field 'vpn_peers[0].index': index 1 is already used by peer 'alice-laptop'.",
        "customer 'bob', vm 'bob-web', field 'vpn_peers[0].public_key': the key is already used by peer "
        "'alice-laptop'.",
        "customer 'bob', vm 'bob-mail', field 'services[0].gateway_port': port 2201 is already the SSH port of vm "
        "'alice-web'",
        "customer 'bob', vm 'bob-mail', field 'services[2].names[0]': '*.bob.example' is not a valid DNS name.",
        "customer 'bob', vm 'bob-shell', field 'services[0].gateway_port': 3500 is outside ssh_port_range",
        "customer 'carol', field '(file)': customers/carol.yml is a list, not a mapping.",
        "customer 'dave', field 'name': customer loaded twice (from customers/dave.yaml and from customers/dave.yml).",
        "customer 'mallory', vm 'mallory-web', field 'ipv6': 2001:db8:999::10 is outside the provider's customer "
        "prefixes",
        "customer 'mallory', vm 'mallory-web', field 'services[0].names[0]': bob.example is granted to customer 'bob'.",
        "settings 'v6only_gateway', field 'lending_pool': 1 address but 2 lend demands need tcp port 25.",
    ]
    assert len(errors) == len(expected), "\n".join(errors)
    for error, start in zip(errors, expected):
        assert error.startswith(start), (error, start)


# -- the errors of one inventory, as a table: customer_model_errors.yaml ----------

def error_rows():
    rows = yaml.safe_load((Path(__file__).parent / "customer_model_errors.yaml").read_text())
    for row in rows:
        settings = dict(copy.deepcopy(SETTINGS), **row.get("settings_changes", {}))
        yield pytest.param(row["customers"], settings, row.get("leases"), row["errors"], id=row["id"])


@pytest.mark.parametrize(("customers", "settings", "leases", "expected"), list(error_rows()))
def test_errors(customers, settings, leases, expected):
    errors = validate(customers, settings, leases)
    assert errors == expected
    assert all(ERROR_SHAPE.match(e) for e in errors), errors
