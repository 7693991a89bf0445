"""Kea DHCPv6 host reservations for one LAN, from the customer model's VMs.

Pure function: the LAN's prefix selects the model's VMs that live on it (the
others are on other LANs), explicit extra reservations must lie inside it, and
no DUID, MAC or address may be reserved twice. Every problem is reported at
once, each naming the customer and VM, as the customer model does.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.v6only.gateway.plugins.module_utils._model_values import DUID, MAC


def _who(entry):
    customer = entry.get("customer")
    name = entry.get("name") or entry.get("hostname") or "?"
    return "customer '{0}', vm '{1}'".format(customer, name) if customer else "reservation '{0}'".format(name)


def kea_reservations(vms, prefix, extra=()):
    """Return Kea `reservations` for the VMs inside `prefix`.

    `vms` are the model's {customer, name, ipv6, duid, mac}; `extra` are
    operator-written {name, ipv6, duid, mac} for hosts that are not customer
    VMs (they must lie inside `prefix`). A VM without DUID or MAC gets no
    reservation: it did not ask for DHCPv6. Each identity becomes its own
    reservation of the same address (Kea allows one identifier per host), so
    the MAC serves clients whose DUID is unknown or changes. Raises ValueError
    listing every problem.
    """
    network = ipaddress.IPv6Network(prefix)
    errors = []
    owners = {}
    reservations = []
    for entry, address in _on_lan(vms, extra, network, errors):
        idents = _identities(entry, errors)
        if not idents:
            continue
        claims = [("ipv6", address.compressed)] + [(field, norm) for field, _, norm in idents]
        clash = False
        for field, value in claims:
            owner = owners.setdefault((field, value), entry)
            if owner is not entry:
                clash = True
                errors.append("{0}, field '{1}': {2} is already reserved for {3}. Fix: give every VM its own {4}.".format(
                    _who(entry), field, value, _who(owner), "address" if field == "ipv6" else field.upper()))
        if clash:
            continue
        hostname = entry.get("name") or entry.get("hostname")
        for _, kea_key, norm in idents:
            reservation = {kea_key: norm, "ip-addresses": [address.compressed]}
            if hostname:
                reservation["hostname"] = hostname
            reservations.append(reservation)
    if errors:
        raise ValueError("\n".join(errors))
    return sorted(reservations, key=lambda r: (r["ip-addresses"][0], "duid" not in r))


def _on_lan(vms, extra, network, errors):
    """(entry, address) for the model's VMs inside the LAN, then the extra reservations."""
    chosen = []
    for vm in vms or ():
        try:
            address = ipaddress.IPv6Address(vm.get("ipv6") or "")
        except ValueError:
            continue
        if address in network:
            chosen.append((vm, address))
    for entry in extra or ():
        try:
            address = ipaddress.IPv6Address(entry.get("ipv6") or "")
        except ValueError:
            errors.append("{0}, field 'ipv6': {1!r} is not an IPv6 address. Fix: write an address inside {2}.".format(
                _who(entry), entry.get("ipv6"), network))
            continue
        if address not in network:
            errors.append("{0}, field 'ipv6': {1} is outside the LAN prefix {2}. Fix: reserve an address inside {2}, "
                          "or list it on the LAN it lives on.".format(_who(entry), address, network))
            continue
        chosen.append((entry, address))
    return chosen


def _identities(entry, errors):
    """[(field, kea key, normalised value)] for the entry's well-formed DUID and MAC."""
    idents = []
    for field, kea_key, pattern in (("duid", "duid", DUID), ("mac", "hw-address", MAC)):
        value = entry.get(field)
        if value is None:
            continue
        norm = str(value).lower()
        if not pattern.fullmatch(norm):
            errors.append("{0}, field '{1}': {2!r} is not a valid {3}. Fix: write colon-separated hex octets in quotes.".format(
                _who(entry), field, value, field.upper()))
            continue
        idents.append((field, kea_key, norm))
    return idents
