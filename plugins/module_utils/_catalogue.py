"""The service catalogue, the routing-to-role map and the gateway defaults.

This is the one place that knows a service's port, transport and routing
method. The customer model, every role and every test read them from here, so
teaching the gateway a protocol is a change to this file and nothing else.
"""

from __future__ import annotations

# Which role serves a row, by routing method. host, sni and port share one
# haproxy because they share the gateway's single inbound IPv4 address.
ROUTING_ROLES = {
    "host": "haproxy_sni",
    "sni": "haproxy_sni",
    "port": "haproxy_sni",
    "zone": "dnsdist_authoritative",
    "lend": "ipv4_lending",
    "relay": "postfix_relay",
}

SERVING_ROLES = tuple(sorted(set(ROUTING_ROLES.values())))

TRANSPORTS = ("tcp", "udp", "udp+tcp")


def _entry(port, transport, routing, needs=(), proxy_protocol_common=False, carries=()):
    return {
        "port": port,
        "transport": transport,
        "routing": routing,
        # Options a service of this protocol must declare.
        "needs": tuple(needs),
        # Whether the usual backend daemons accept PROXY protocol; informs the
        # operator, never forces it: a service opts in with `proxy_protocol`.
        "proxy_protocol_common": proxy_protocol_common,
        # Routing methods the gateway may take over through settings.carries.
        "carries": tuple(carries),
    }


CATALOGUE = {
    "http": _entry(80, "tcp", "host", ("names",), True),
    "https": _entry(443, "tcp", "sni", ("names",), True),
    "doh": _entry(443, "tcp", "sni", ("names",)),
    "smtps": _entry(465, "tcp", "sni", ("names",), True),
    "dot": _entry(853, "tcp", "sni", ("names",)),
    "ftps": _entry(990, "tcp", "sni", ("names", "data_ports")),
    "imaps": _entry(993, "tcp", "sni", ("names",), True),
    "pop3s": _entry(995, "tcp", "sni", ("names",), True),
    "ssh": _entry(22, "tcp", "port", ("gateway_port",)),
    "dns": _entry(53, "udp+tcp", "zone", ("zones",)),
    "smtp": _entry(25, "tcp", "lend", (), True, carries=("relay",)),
    "submission": _entry(587, "tcp", "lend", (), True),
    "imap": _entry(143, "tcp", "lend", (), True),
    "pop3": _entry(110, "tcp", "lend", (), True),
    "ftp": _entry(21, "tcp", "lend", ("data_ports",)),
    # Anything else: the customer names the port and transport, and the
    # service gets a lent IPv4 address because nothing can tell it apart.
    "custom": _entry(None, None, "lend", ("port", "transport")),
}

# Options every service may carry; the rest are allowed only where the
# protocol's `needs` lists them.
COMMON_SERVICE_OPTIONS = ("proto", "port", "proxy_protocol")
SERVICE_OPTIONS = ("proto", "names", "zones", "proxy_protocol", "port", "transport", "gateway_port", "data_ports")

# Gateway names read `<proto>-<vm>-ip4-gw.<zone>` (DESIGN.md).
GATEWAY_NAME_FORMAT = "{proto}-{vm}-ip4-gw.{zone}"

# The only place defaults live; the customer model fills missing settings
# from here (docs/customer-model.md). Copy before mutating.
DEFAULT_SETTINGS = {
    "nat64_prefix": "64:ff9b::/96",
    "customer_prefixes": [],
    "gateway_ipv4": None,
    "gateway_ipv6": None,
    # The DNS64 resolvers VMs and VPN peers use (RDNSS, DHCPv6, WireGuard DNS).
    "resolvers": [],
    "zone": "ip4-gw.example.net",
    "ssh_port_range": [2200, 2999],
    "ftp_data_port_range": [30000, 39999],
    "vpn_prefix": None,
    "dns_ttl": 300,
    "lending_pool": [],
    "carries": {},
    # The one no_log switch: every task that handles a key or secret hides
    # its output unless this is false (for debugging a lab).
    "no_log": True,
}


def allowed_options(proto):
    """The service options a protocol accepts, in catalogue order."""
    needs = CATALOGUE[proto]["needs"]
    return tuple(o for o in SERVICE_OPTIONS if o in COMMON_SERVICE_OPTIONS or o in needs)


def gateway_listen_ports():
    """Ports the gateway's shared IPv4 listens on for host, sni and zone rows."""
    return sorted({e["port"] for e in CATALOGUE.values() if e["routing"] in ("host", "sni", "zone")})
