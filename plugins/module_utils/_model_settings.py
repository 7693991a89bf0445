"""Stage 1 of the customer model: the gateway settings (`v6only_gateway`).

Missing keys take `DEFAULT_SETTINGS`; each key is checked on its own and
written back normalised. Later stages read `analysis.settings` and the parsed
`customer_prefixes` and `vpn_prefix`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import CATALOGUE, DEFAULT_SETTINGS, gateway_listen_ports
from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import pool_problems
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import (
    NAT64_LENGTHS,
    dns_name,
    ipv4,
    ipv6,
    is_int,
    is_list,
    kind,
    network,
    port_range,
)

SCOPE = "settings 'v6only_gateway'"


def read_settings(analysis, raw):
    """Set analysis.settings: `raw` over the defaults, every value checked."""
    out = _merged(analysis, raw)

    def bad(field, problem, fix):
        analysis.error(SCOPE, field, problem, fix)

    for check in (_nat64_prefix, _customer_prefixes, _gateway_addresses, _resolvers, _zone,
                  _port_ranges, _vpn_prefix, _dns_ttl, _lending_pool, _carries, _no_log):
        check(analysis, out, bad)
    analysis.settings = out
    return out


def _merged(analysis, raw):
    out = copy.deepcopy(DEFAULT_SETTINGS)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        analysis.error(SCOPE, "v6only_gateway", "is {0}, not a mapping".format(kind(raw)), "set it to a mapping of gateway settings")
        raw = {}
    for key in sorted(k for k in raw if k not in DEFAULT_SETTINGS):
        analysis.error(SCOPE, str(key), "unknown setting", "remove it or use one of: " + ", ".join(DEFAULT_SETTINGS))
    for key in DEFAULT_SETTINGS:
        if key in raw and raw[key] is not None:
            out[key] = raw[key]
    return out


def _nat64_prefix(analysis, out, bad):
    net = network(out["nat64_prefix"])
    if net is None or net.prefixlen not in NAT64_LENGTHS:
        bad("nat64_prefix", "{0!r} is not an IPv6 prefix of length {1}".format(out["nat64_prefix"], "/".join(map(str, NAT64_LENGTHS))),
            "use an RFC 6052 prefix such as 64:ff9b::/96 or a /96 of your own")
    else:
        out["nat64_prefix"] = str(net.with_prefixlen)


def _customer_prefixes(analysis, out, bad):
    prefixes = out["customer_prefixes"]
    if not is_list(prefixes) or not prefixes:
        bad("customer_prefixes", "must be a non-empty list of IPv6 prefixes", "list the prefixes customer VMs live in, e.g. [2001:db8:100::/48]")
        prefixes = []
    for i, value in enumerate(prefixes):
        net = network(value)
        if net is None:
            bad("customer_prefixes[{0}]".format(i), "{0!r} is not an IPv6 prefix (network address with /length)".format(value),
                "write it as network/length with no host bits, e.g. 2001:db8:100::/48")
        else:
            analysis.customer_prefixes.append(net)
    out["customer_prefixes"] = [str(n.with_prefixlen) for n in analysis.customer_prefixes]


def _gateway_addresses(analysis, out, bad):
    addr = ipv4(out["gateway_ipv4"])
    if addr is None:
        bad("gateway_ipv4", "{0!r} is not an IPv4 address".format(out["gateway_ipv4"]), "set the gateway's shared inbound IPv4 address, e.g. 198.51.100.20")
    else:
        out["gateway_ipv4"] = addr
    if out["gateway_ipv6"] is not None:
        addr6 = ipv6(out["gateway_ipv6"])
        if addr6 is None:
            bad("gateway_ipv6", "{0!r} is not an IPv6 address".format(out["gateway_ipv6"]), "set an IPv6 address or remove the key")
        else:
            out["gateway_ipv6"] = addr6


def _resolvers(analysis, out, bad):
    resolvers = out["resolvers"]
    if not isinstance(resolvers, list) or any(ipv6(r) is None for r in resolvers):
        bad("resolvers", "{0!r} is not a list of IPv6 addresses".format(resolvers),
            "list the DNS64 resolvers' IPv6 addresses, e.g. [2001:db8:10::53]")
    else:
        out["resolvers"] = [ipv6(r) for r in resolvers]


def _zone(analysis, out, bad):
    zone = dns_name(out["zone"])
    if zone is None or len(zone) > 253 - 64:
        bad("zone", "{0!r} is not a usable DNS zone".format(out["zone"]), "use the provider zone for gateway names, e.g. ip4-gw.example.net")
    else:
        out["zone"] = zone


def _port_ranges(analysis, out, bad):
    listen = set(gateway_listen_ports())
    for key in ("ssh_port_range", "ftp_data_port_range"):
        rng = port_range(out[key])
        if rng is None:
            bad(key, "{0!r} is not a port range [first, last]".format(out[key]),
                "write two port numbers, first <= last, e.g. {0}".format(DEFAULT_SETTINGS[key]))
            continue
        out[key] = rng
        clash = sorted(p for p in listen if rng[0] <= p <= rng[1])
        if clash:
            bad(key, "contains port {0}, on which the gateway already listens".format(
                clash[0]), "choose a range clear of {0}".format(", ".join(map(str, sorted(listen)))))
    ssh, ftp = out["ssh_port_range"], out["ftp_data_port_range"]
    if port_range(ssh) and port_range(ftp) and ssh[0] <= ftp[1] and ftp[0] <= ssh[1]:
        bad("ftp_data_port_range", "overlaps ssh_port_range {0}".format(ssh), "make the two ranges disjoint")


def _vpn_prefix(analysis, out, bad):
    # Peers report a missing vpn_prefix; a malformed one is reported here.
    analysis.vpn_prefix_unset = out["vpn_prefix"] is None
    if out["vpn_prefix"] is None:
        return
    net = network(out["vpn_prefix"])
    if net is None or net.prefixlen > 63:
        bad("vpn_prefix",
            "{0!r} is not an IPv6 prefix shorter than /64".format(out["vpn_prefix"]),
            "use a prefix such as 2001:db8:200::/48; peer n gets its n-th /64")
    else:
        analysis.vpn_prefix = net
        out["vpn_prefix"] = str(net.with_prefixlen)


def _dns_ttl(analysis, out, bad):
    if not is_int(out["dns_ttl"]) or out["dns_ttl"] < 1:
        bad("dns_ttl", "{0!r} is not a positive number of seconds".format(out["dns_ttl"]), "set the TTL of gateway records, e.g. 300")


def _lending_pool(analysis, out, bad):
    out["lending_pool"], problems = pool_problems(out["lending_pool"], out["gateway_ipv4"])
    for field, problem, fix in problems:
        bad(field, problem, fix)


def _carries(analysis, out, bad):
    carries = out["carries"]
    if not isinstance(carries, Mapping):
        bad("carries", "is {0}, not a mapping".format(kind(carries)), "write it as {proto: routing}, e.g. {smtp: relay}")
        carries = {}
    clean = {}
    for proto in sorted(carries, key=str):
        routing = carries[proto]
        if proto not in CATALOGUE or not CATALOGUE[proto]["carries"]:
            able = sorted(p for p, e in CATALOGUE.items() if e["carries"])
            bad("carries.{0}".format(proto), "the gateway cannot carry {0!r}".format(proto), "carry only one of: " + ", ".join(able))
        elif routing not in CATALOGUE[proto]["carries"]:
            bad("carries.{0}".format(proto), "{0!r} is not a way to carry {1}".format(
                routing, proto), "use one of: " + ", ".join(CATALOGUE[proto]["carries"]))
        else:
            clean[str(proto)] = str(routing)
    out["carries"] = clean


def _no_log(analysis, out, bad):
    if not isinstance(out["no_log"], bool):
        bad("no_log", "{0!r} is not true or false".format(out["no_log"]), "write true to hide secrets in task output, false only to debug")
