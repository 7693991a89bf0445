"""The catalogue matches the contract table in docs/customer-model.md."""

import re
from pathlib import Path

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import (
    CATALOGUE,
    DEFAULT_SETTINGS,
    ROUTING_ROLES,
    SERVING_ROLES,
    allowed_options,
    gateway_listen_ports,
)

SEED = ["http", "https", "smtp", "submission", "smtps", "imap", "imaps", "pop3", "pop3s",
        "ssh", "ftp", "ftps", "dns", "dot", "doh"]

CONTRACT = Path(__file__).resolve().parents[4] / "docs" / "customer-model.md"


def _contract_table():
    rows = {}
    for line in CONTRACT.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] in CATALOGUE:
            rows[cells[0]] = cells
    return rows


def test_every_seed_protocol_and_custom():
    assert sorted(CATALOGUE) == sorted(SEED + ["custom"])


@pytest.mark.parametrize("proto", sorted(CATALOGUE))
def test_entry_matches_the_contract_table(proto):
    table = _contract_table()
    _, port, transport, routing, needs, proxy = table[proto]
    entry = CATALOGUE[proto]
    assert entry["port"] == (None if port == "(port)" else int(port))
    assert entry["transport"] == (None if transport == "(transport)" else transport)
    assert entry["routing"] == routing
    assert entry["needs"] == (() if needs == "-" else tuple(n.strip() for n in needs.split(",")))
    assert entry["proxy_protocol_common"] is (proxy == "yes")


def test_routing_methods_all_have_a_serving_role():
    routings = {e["routing"] for e in CATALOGUE.values()} | {r for e in CATALOGUE.values() for r in e["carries"]}
    assert routings <= set(ROUTING_ROLES)
    assert SERVING_ROLES == ("dnsdist_authoritative", "haproxy_sni", "ipv4_lending", "postfix_relay")


def test_design_routing_groups():
    by_routing = {}
    for proto, entry in CATALOGUE.items():
        by_routing.setdefault(entry["routing"], set()).add(proto)
    assert by_routing == {
        "host": {"http"},
        "sni": {"https", "smtps", "imaps", "pop3s", "ftps", "dot", "doh"},
        "port": {"ssh"},
        "zone": {"dns"},
        "lend": {"smtp", "submission", "imap", "pop3", "ftp", "custom"},
    }


def test_only_smtp_can_be_relayed_today():
    assert {p: e["carries"] for p, e in CATALOGUE.items() if e["carries"]} == {"smtp": ("relay",)}


def test_default_settings_are_the_contract_keys():
    assert list(DEFAULT_SETTINGS) == [
        "nat64_prefix", "customer_prefixes", "gateway_ipv4", "gateway_ipv6", "resolvers", "zone", "ssh_port_range",
        "ftp_data_port_range", "vpn_prefix", "dns_ttl", "lending_pool", "carries", "no_log"]
    assert DEFAULT_SETTINGS["nat64_prefix"] == "64:ff9b::/96"
    assert DEFAULT_SETTINGS["ssh_port_range"] == [2200, 2999]
    assert DEFAULT_SETTINGS["dns_ttl"] == 300
    assert DEFAULT_SETTINGS["no_log"] is True


def test_allowed_options_follow_needs():
    assert allowed_options("https") == ("proto", "names", "proxy_protocol", "port")
    assert allowed_options("ssh") == ("proto", "proxy_protocol", "port", "gateway_port")
    assert allowed_options("ftps") == ("proto", "names", "proxy_protocol", "port", "data_ports")
    assert allowed_options("custom") == ("proto", "proxy_protocol", "port", "transport")
    assert allowed_options("smtp") == ("proto", "proxy_protocol", "port")


def test_gateway_listen_ports():
    assert gateway_listen_ports() == [53, 80, 443, 465, 853, 990, 993, 995]


def test_no_other_plugin_hard_codes_a_catalogue_port():
    """Ports are defined once: the model's code names no service port literally."""
    source = (Path(__file__).resolve().parents[4] / "plugins" / "module_utils" / "_customer_model.py").read_text()
    for port in sorted({e["port"] for e in CATALOGUE.values() if e["port"]}):
        assert not re.search(r"(?<![\d.:\w]){0}(?![\d.:\w])".format(port), source), port
