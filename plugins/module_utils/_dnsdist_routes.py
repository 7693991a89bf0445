"""dnsdist routing for authoritative DNS: the forward table's `zone` rows become pools and suffix rules.

Pure function. dnsdist applies the first matching rule, and a customer may
serve a zone from one VM and a sub-zone of it from another; so rules are
grouped by the zone's depth and the deepest come first. Zones of one depth
cannot nest, so inside a group the order does not matter. One rule per
(depth, VM) keeps the rule count near the VM count, however many zones.
"""

from __future__ import annotations

import ipaddress


def _socket(address, port):
    return ("[{0}]:{1}" if ipaddress.ip_address(address).version == 6 else "{0}:{1}").format(address, port)


def dnsdist_routes(rows, extra_addresses=()):
    """Return {listen, pools, rules} for the dnsdist configuration.

    `rows` are the model's `dnsdist_authoritative` rows (routing `zone`);
    `extra_addresses` are further gateway addresses (e.g. its IPv6) that
    listen on the same ports. Pools are named after the VM, one backend each,
    health-checked with the SOA of its first zone. Zones carry the trailing dot.
    """
    listen, pools, groups = set(), [], {}
    for row in sorted(rows, key=lambda r: r["vm"]):
        if not row["match"]:
            raise ValueError("row {0} has no zones to route".format(row["id"]))
        pools.append({"name": row["vm"], "backend": row["backend"], "check_name": row["match"][0] + "."})
        for zone in row["match"]:
            groups.setdefault((-zone.count("."), row["vm"]), []).append(zone + ".")
        for address in [row["listen_ipv4"], *extra_addresses]:
            if address:
                listen.add(_socket(address, row["listen_port"]))
    return {
        "listen": sorted(listen),
        "pools": pools,
        "rules": [{"pool": vm, "zones": sorted(zones)} for (_depth, vm), zones in sorted(groups.items())],
    }
