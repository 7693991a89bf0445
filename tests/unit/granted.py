"""A registry that grants each test customer exactly what its own data claims.

For tests about something other than trust (rows, tables, determinism,
settings): they build customers inline and need the registry the model
requires. The first customer to claim a name or an address gets it; a later
customer claiming the same (or nesting inside it) gets no grant for it, so a
test of one customer taking another's still sees the refusal. Tests of the
registry's own rules build their registries explicitly (tests/unit/hostile/,
test_registry.py).
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._grants import is_within, refusal
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import dns_name, network


def registry_for(customers, settings=None, **extra):
    """{customers: {name: {domains, prefixes}}} from the customers' claims, plus `extra` top-level keys."""
    settings = settings or {}
    pools = [network(p) for p in settings.get("customer_prefixes") or ["2001:db8:100::/48"]]
    vpn = network(settings["vpn_prefix"]) if settings.get("vpn_prefix") else None
    zones = [dns_name(settings.get("zone") or "ip4-gw.example.net")]
    owners = {"domains": {}, "prefixes": {}}
    grants = {}
    entries = [(name, content) for name, content in map(_unwrapped, customers or []) if isinstance(name, str)]
    for name, _content in entries:
        grants.setdefault(name, {"domains": [], "prefixes": []})
    # A customer's `domains` first, then its zones and names, so a name in
    # another customer's domain is refused whichever file comes first.
    for claimed in (_domains, _service_names):
        for name, content in entries:
            for value in claimed(content):
                _grant_domain(grants[name], owners["domains"], name, dns_name(value), zones)
    for name, content in entries:
        for net in _networks(content, vpn):
            if any(p is not None and net.subnet_of(p) for p in pools + [vpn]):
                _grant_prefix(grants[name], owners["prefixes"], name, net)
    registry = copy.deepcopy(extra)
    registry["customers"] = dict(grants, **registry.get("customers", {}))
    return registry


def _unwrapped(raw):
    if not isinstance(raw, Mapping):
        return None, {}
    if set(raw) == {"name", "file", "error", "content"}:
        return raw["name"], raw["content"] if isinstance(raw["content"], Mapping) else {}
    return raw.get("name"), raw


def _listed(value):
    return value if isinstance(value, list) else []


def _vms(content):
    return [v for v in _listed(content.get("vms")) if isinstance(v, Mapping)]


def _domains(content):
    return _listed(content.get("domains"))


def _service_names(content):
    for vm in _vms(content):
        for service in _listed(vm.get("services")):
            if isinstance(service, Mapping):
                yield from _listed(service.get("names"))
                yield from _listed(service.get("zones"))


def _networks(content, vpn):
    prefix = network(content.get("prefix"))
    if prefix is not None:
        yield prefix
    for vm in _vms(content):
        if prefix is None and isinstance(vm.get("ipv6"), str):
            try:
                yield ipaddress.IPv6Network(vm["ipv6"].strip())
            except ValueError:
                pass
        for peer in _listed(vm.get("vpn_peers")):
            index = peer.get("index") if isinstance(peer, Mapping) else None
            if vpn is not None and isinstance(index, int) and 0 < index < 2 ** (64 - vpn.prefixlen):
                yield ipaddress.IPv6Network((int(vpn.network_address) + (index << 64), 64))


def _grant_domain(grant, owners, name, domain, zones):
    if domain is None or refusal(domain, zones) is not None or domain in grant["domains"]:
        return
    if any(owner != name and (is_within(domain, d) or is_within(d, domain)) for d, owner in owners.items()):
        return
    owners[domain] = name
    grant["domains"].append(domain)


def _grant_prefix(grant, owners, name, net):
    if any(owner != name and net.overlaps(p) for p, owner in owners.items()):
        return
    owners[net] = name
    grant["prefixes"].append(str(net))
