"""Stage 3 of the customer model: a VM's services become forward-table rows.

The catalogue gives each protocol its port, transport and routing; a service
adds what its routing needs (names, zones, a gateway port, a passive range).
A valid service on a VM with an address becomes one pending row, and a `lend`
row also a lend demand; stage 6 (`_forward_table`) places and sorts them.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import (
    CATALOGUE,
    GATEWAY_NAME_FORMAT,
    ROUTING_ROLES,
    SERVICE_OPTIONS,
    TRANSPORTS,
    allowed_options,
)
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import did_you_mean, shown
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import is_int, is_list, kind, port_range, scope_of, unknown_keys

# Looked up once per service, so computed once per process.
_ALLOWED = {proto: allowed_options(proto) for proto in CATALOGUE}


class _Seen:
    """What one VM's earlier services took: protocols, custom ports, backend sockets."""

    def __init__(self):
        self.protos = {}
        self.custom_ports = {}
        self.backends = {}  # (transport, backend port) -> (proxy_protocol, index, proto)


def read_services(analysis, customer, vm, scope, ipv6, services):
    if services is None:
        services = []
    if not is_list(services):
        analysis.error(scope, "services", "is {0}, not a list".format(kind(services)), "list the VM's services under `services:`")
        services = []
    seen = _Seen()
    for i, raw in enumerate(services):
        _service(analysis, seen, customer, vm, scope, ipv6, i, raw)


def _service(analysis, seen, customer, vm, scope, ipv6, index, raw):
    where = "services[{0}]".format(index)
    proto = _proto(analysis, seen, scope, where, index, raw)
    if proto is None:
        return
    entry = CATALOGUE[proto]
    routing = analysis.settings["carries"].get(proto, entry["routing"])
    ok, svc = _ports(analysis, seen, scope, where, index, proto, raw)
    match, matched = _match(analysis, customer, vm, scope, where, routing, raw, svc["listen_port"])
    ok = ok and matched
    if "gateway_port" in entry["needs"]:
        svc["listen_port"] = _gateway_port(analysis, raw.get("gateway_port"), customer["name"], vm, scope, where + ".gateway_port")
        ok = ok and svc["listen_port"] is not None
    data_ports = None
    if "data_ports" in entry["needs"]:
        data_ports = _data_ports(analysis, raw.get("data_ports"), scope, where + ".data_ports", routing, vm)
        ok = ok and data_ports is not None
    if ok:
        ok = _backend_agrees(analysis, seen, scope, where, index, proto, svc)
    if ok and ipv6 is not None:
        _add_row(analysis, customer["name"], vm, proto, routing, svc, match, ipv6, data_ports)


def _proto(analysis, seen, scope, where, index, raw):
    """The service's protocol once it is known, its options apply and it is new on the VM."""
    if not isinstance(raw, Mapping):
        analysis.error(scope, where, "is {0}, not a mapping".format(kind(raw)), "write each service as a mapping with at least `proto:`")
        return None
    proto = raw.get("proto")
    if not isinstance(proto, str) or proto not in CATALOGUE:
        analysis.error(scope, where + ".proto", "unknown protocol {0}".format(shown(proto)),
                       "use one of: {0}; anything else is `custom` with port and transport".format(", ".join(CATALOGUE)))
        return None
    allowed = _ALLOWED[proto]
    for key in unknown_keys(raw, allowed):
        if key in SERVICE_OPTIONS:
            analysis.error(scope, "{0}.{1}".format(where, key), "option does not apply to {0}".format(proto),
                           "remove it; {0} takes: {1}".format(proto, ", ".join(allowed[1:])))
        else:
            analysis.error(scope, "{0}.{1}".format(where, key), "unknown option", did_you_mean(key, allowed))
    if proto != "custom" and analysis.taken(seen.protos, proto, index, scope, where + ".proto", "{0} is already declared as services[{1}]",
                                            "declare each protocol once per VM; merge the names into one entry"):
        return None
    return proto


def _ports(analysis, seen, scope, where, index, proto, raw):
    """(ok, {proxy, transport, listen_port, backend_port}) from the catalogue and the service."""
    entry = CATALOGUE[proto]
    ok = True
    proxy = raw.get("proxy_protocol", False)
    if not isinstance(proxy, bool):
        analysis.error(scope, where + ".proxy_protocol", "{0} is not true or false".format(shown(proxy)), "write true or false")
        ok = False
    transport, port = entry["transport"], entry["port"]
    if proto == "custom":
        transport = raw.get("transport")
        if transport not in TRANSPORTS:
            analysis.error(scope, where + ".transport", "{0} is not a transport".format(shown(transport)), "use one of: " + ", ".join(TRANSPORTS))
            ok = False
        port = raw.get("port")
        if not (is_int(port) and 1 <= port <= 65535):
            analysis.error(scope, where + ".port", "{0} is not a port number".format(shown(port)), "give the service's port, 1-65535")
            ok = False
        elif ok:
            ok = _custom_port_free(analysis, seen, scope, where, index, transport, port)
        backend_port = port
    else:
        backend_port = raw.get("port", port)
        if not (is_int(backend_port) and 1 <= backend_port <= 65535):
            analysis.error(scope, where + ".port", "{0} is not a port number".format(shown(backend_port)),
                           "give the backend port, 1-65535, or remove it to use {0}".format(port))
            ok = False
    return ok, {"proxy": proxy, "transport": transport, "listen_port": port, "backend_port": backend_port}


def _custom_port_free(analysis, seen, scope, where, index, transport, port):
    taken = [t for t in ("tcp", "udp") if t in transport and (t, port) in seen.custom_ports]
    if taken:
        analysis.error(scope, where + ".port", "{0}/{1} is already declared as services[{2}]".format(taken[0], port, seen.custom_ports[(taken[0], port)]),
                       "declare each custom port once per VM")
    for t in ("tcp", "udp"):
        if t in transport:
            seen.custom_ports[(t, port)] = index
    return not taken


def _match(analysis, customer, vm, scope, where, routing, raw, listen_port):
    """(match, ok): the names, zones or mail domains the row is chosen by."""
    needs = CATALOGUE[raw["proto"]]["needs"]
    if "names" in needs and routing in ("host", "sni"):
        match = _claimed(analysis, "name", raw.get("names"), customer["name"], vm, scope, where + ".names", listen_port)
        return match, bool(match)
    if "zones" in needs:
        match = _claimed(analysis, "zone", raw.get("zones"), customer["name"], vm, scope, where + ".zones", listen_port)
        return match, bool(match)
    if routing == "relay":
        if not customer["domains"]:
            analysis.error(scope_of(customer["name"]), "domains", "is empty but the gateway relays {0} for every customer".format(raw["proto"]),
                           "list the customer's mail domains under `domains:`")
            return list(customer["domains"]), False
        return list(customer["domains"]), True
    return [], True


# What a `names` or `zones` list that is empty says, and how to fix a clash.
_EMPTY = {
    "name": ("is empty, but this protocol is routed by name", "list the DNS names clients use, e.g. [www.{0}.example]"),
    "zone": ("is empty, but dns is routed by zone", "list the zones this VM serves, e.g. [{0}.example]"),
}
_CLASH_FIX = {"name": "route each name on a port to one service; remove this one", "zone": "serve each zone from one VM; remove this one"}


def _claimed(analysis, what, value, cname, vm, scope, field, listen_port):
    """The service's names (routed per listen port) or zones (served once); [] unless all are usable."""
    if not is_list(value) or not value:
        empty, fix = _EMPTY[what]
        analysis.error(scope, field, empty if not value else "is {0}, not a list".format(kind(value)), fix.format(cname))
        return []
    claimed = []
    for i, raw in enumerate(value):
        item = "{0}[{1}]".format(field, i)
        name = analysis.claim(raw, what, cname, vm, item)
        if name is None:
            continue
        index, key = (analysis.routed, (listen_port, name)) if what == "name" else (analysis.zone_owner, name)
        owner = index.get(key)
        if owner is not None:
            analysis.error(scope, item, _clash(what, name, owner, vm, field, listen_port), _CLASH_FIX[what])
            continue
        index[key] = (cname, vm, item)
        claimed.append(name)
    return claimed if len(claimed) == len(value) else []


def _clash(what, name, owner, vm, field, listen_port):
    if what == "name":
        if owner[1] == vm and owner[2].startswith(field):
            return "{0} is listed twice".format(name)
        return "{0} on port {1} is already routed to vm '{2}' ({3})".format(name, listen_port, owner[1], owner[2])
    if owner[1] == vm:
        return "{0} is listed twice".format(name)
    return "{0} is already served by vm '{1}' ({2})".format(name, owner[1], owner[2])


def _gateway_port(analysis, value, cname, vm, scope, field):
    settings = analysis.settings
    first, last = settings["ssh_port_range"] if port_range(settings["ssh_port_range"]) else (1, 65535)
    if not is_int(value):
        analysis.error(scope, field, "missing" if value is None else "{0} is not a port number".format(shown(value)),
                       "pick a free port in ssh_port_range {0}-{1}; it stays this VM's SSH port".format(first, last))
        return None
    if not first <= value <= last:
        analysis.error(scope, field, "{0} is outside ssh_port_range {1}-{2}".format(value, first, last), "pick a free port in {0}-{1}".format(first, last))
        return None
    owner = analysis.ssh_ports.get(value)
    if owner is not None:
        analysis.error(scope, field, "port {0} is already the SSH port of vm '{1}' (customer '{2}')".format(value, owner[1], owner[0]),
                       "pick another free port in {0}-{1}".format(first, last))
        return None
    analysis.ssh_ports[value] = (cname, vm)
    return value


def _data_ports(analysis, value, scope, field, routing, vm):
    rng = port_range(value)
    settings = analysis.settings
    limits = settings["ftp_data_port_range"] if port_range(settings["ftp_data_port_range"]) else [1, 65535]
    if rng is None:
        analysis.error(scope, field, "missing" if value is None else "{0} is not a port range [first, last]".format(shown(value)),
                       "give the passive range, e.g. [{0}, {1}], inside ftp_data_port_range {2}-{3}".format(limits[0], limits[0] + 9, limits[0], limits[1]))
        return None
    if not limits[0] <= rng[0] <= rng[1] <= limits[1]:
        analysis.error(scope, field, "{0} is outside ftp_data_port_range {1}-{2}".format(rng, limits[0], limits[1]),
                       "pick a range inside {0}-{1}".format(limits[0], limits[1]))
        return None
    if routing != "lend":
        analysis.ftps_ranges.append((rng[0], rng[1], vm, scope, field))
    return rng


def _backend_agrees(analysis, seen, scope, where, index, proto, svc):
    # One listening socket on the VM either expects a PROXY header or does
    # not, so every service reaching it must agree.
    proxy, backend_port = svc["proxy"], svc["backend_port"]
    for t in ("tcp", "udp"):
        if t not in svc["transport"]:
            continue
        first = seen.backends.setdefault((t, backend_port), (proxy, index, proto))
        if first[0] != proxy:
            analysis.error(scope, where + ".proxy_protocol",
                           "{0} sends {1} to {2} port {3}, where services[{4}] ({5}) sends {6}".format(
                               proto, "PROXY headers" if proxy else "no PROXY header", t, backend_port, first[1], first[2],
                               "PROXY headers" if first[0] else "none"),
                           "set the same proxy_protocol on both, or point one at another backend `port`")
            return False
    return True


def _add_row(analysis, cname, vm, proto, routing, svc, match, ipv6, data_ports):
    transport, listen_port, backend_port = svc["transport"], svc["listen_port"], svc["backend_port"]
    analysis.rows.append({
        "id": "{0}/{1}/{2}/{3}".format(vm, proto, transport, listen_port),
        "customer": cname,
        "vm": vm,
        "proto": proto,
        "routing": routing,
        "served_by": ROUTING_ROLES[routing],
        "transport": transport,
        "listen_ipv4": None,
        "listen_port": listen_port,
        "match": match,
        "backend_ipv6": ipv6,
        "backend_port": backend_port,
        "backend": "[{0}]:{1}".format(ipv6, backend_port),
        "proxy_protocol": svc["proxy"],
        "data_ports": data_ports,
        "gateway_name": GATEWAY_NAME_FORMAT.format(proto=proto, vm=vm, zone=analysis.settings["zone"]),
    })
    if routing != "lend":
        return
    demand = analysis.demands.get((vm, proto))
    if demand is None:
        demand = {"vm": vm, "customer": cname, "proto": proto, "ports": [], "data_ports": list(data_ports) if data_ports else None}
        analysis.demands[(vm, proto)] = demand
    for t in ("tcp", "udp"):
        if t in transport:
            demand["ports"].append({"transport": t, "port": listen_port})
