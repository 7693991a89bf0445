"""Postfix relay and smarthost tables from the customer model.

Pure functions, no I/O; the filter `postfix_relay_tables` wraps them.

Inbound, every domain of a `relay` row is a relay domain whose transport is the
VMs that declared smtp. Outbound, each VM address maps to a restriction class
of its customer, and that class allows only the customer's domains as
envelope senders: Postfix cannot key one lookup on (client, sender), but a
class per customer keeps the table keyed by address. The same domains, per VM
address, are what the smarthost's header From check (rspamd) allows: one
mapping, so the envelope and the header can never disagree on who may send as
which domain.
"""

import ipaddress
import re

_UNSAFE = re.compile(r"[^a-z0-9]")
CLASS_PREFIX = "postfix_relay_customer_"


def class_name(customer):
    """The restriction-class name of a customer, safe as a main.cf parameter name."""
    return CLASS_PREFIX + _UNSAFE.sub("_", customer.lower())


def _domain(value):
    domain = str(value).strip().lower().rstrip(".")
    if not domain or any(c.isspace() for c in domain):
        raise ValueError(f"'{value}' is not a mail domain")
    return domain


def relay_tables(rows, customers, vms, static_transports=None, transport="relay"):
    """Return {relay_domains, transport, clients, classes, dns}.

    relay_domains: sorted domains the inbound MX accepts.
    transport: [{domain, nexthop: "transport:[ipv6]:port, [ipv6]:port"}] sorted by
      domain, the static_transports (domain -> nexthop, e.g. a test MX without
      DNS) included.
    clients: [{network: ipv6/128, address, class, vm, customer, senders}] sorted
      by address: the VMs allowed to use the smarthost, each with the mail
      domains (its class's senders) it may name in the envelope and header From.
    classes: [{name, customer, senders}] for customers with mail domains.
    dns: [{customer, domains, mx}] where mx are the gateway names of the
      customer's relay rows.
    Raises ValueError for a row not served here, a domain relayed to two
    customers, a static transport for a relayed domain, or two customers
    whose class names collide.
    """
    nexthops, owner, mx = _inbound(rows)
    table = {d: f"{transport}:{', '.join(hops)}" for d, hops in nexthops.items()}
    for value, nexthop in (static_transports or {}).items():
        domain = _domain(value)
        if domain in table:
            raise ValueError(f"static transport for {domain}: the domain is relayed to customer {owner[domain]}'s VMs")
        table[domain] = str(nexthop)
    classes = _classes(customers)
    return {
        "relay_domains": sorted(nexthops),
        "transport": [{"domain": d, "nexthop": table[d]} for d in sorted(table)],
        "clients": _clients(vms, classes),
        "classes": [classes[n] for n in sorted(classes)],
        "dns": [{"customer": c["customer"], "domains": c["senders"], "mx": sorted(mx.get(c["customer"], []))}
                for c in sorted(classes.values(), key=lambda c: c["customer"])],
    }


def _inbound(rows):
    """({domain: [nexthop]}, {domain: customer}, {customer: [gateway name]}) from the relay rows."""
    nexthops = {}
    owner = {}
    mx = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        if row.get("routing") != "relay":
            raise ValueError(f"row {row['id']}: routing '{row.get('routing')}' is not served by postfix_relay")
        address = ipaddress.IPv6Address(row["backend_ipv6"]).compressed
        hop = f"[{address}]:{int(row['backend_port'])}"
        mx.setdefault(row["customer"], []).append(row["gateway_name"])
        for value in row["match"]:
            domain = _domain(value)
            if owner.setdefault(domain, row["customer"]) != row["customer"]:
                raise ValueError(f"row {row['id']}: domain {domain} is already relayed for customer {owner[domain]}")
            if hop not in nexthops.setdefault(domain, []):
                nexthops[domain].append(hop)
    return nexthops, owner, mx


def _classes(customers):
    """{class name: {name, customer, senders}} for the customers with mail domains."""
    classes = {}
    for customer in customers:
        domains = sorted({_domain(d) for d in customer.get("domains") or ()})
        if not domains:
            continue
        name = class_name(customer["name"])
        if name in classes:
            raise ValueError(f"customers {classes[name]['customer']} and {customer['name']} share the class name {name}; rename one")
        classes[name] = {"name": name, "customer": customer["name"], "senders": domains}
    return classes


def _clients(vms, classes):
    """{network, address, class, vm, customer, senders} for each VM whose customer has a class, by address."""
    clients = []
    for vm in vms:
        name = class_name(vm["customer"])
        if vm.get("ipv6") is None or name not in classes or classes[name]["customer"] != vm["customer"]:
            continue
        address = ipaddress.IPv6Address(vm["ipv6"])
        clients.append((int(address), {"network": f"{address.compressed}/128", "address": address.compressed,
                                       "class": name, "vm": vm["name"], "customer": vm["customer"],
                                       "senders": list(classes[name]["senders"])}))
    return [entry for _, entry in sorted(clients)]
