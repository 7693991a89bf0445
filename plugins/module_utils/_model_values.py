"""Stage 0 of the customer model: reading one value, and where errors go.

Every parser here returns the normalised value or None on garbage, so a
stage can report the field and carry on: the model lists every error at once.
`Analysis` is the one pass's state: the errors so far, the settings, and the
cross-customer indexes that make every uniqueness check one lookup.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import NAT64_PREFIX_LENGTHS as NAT64_LENGTHS
from ansible_collections.v6only.gateway.plugins.module_utils._grants import outside_grant, refusal, reserved_label
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import error_line, shown

# Patterns are used with fullmatch only: `$` would accept a trailing newline.
LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# DHCPv6 client identifiers, lower-case colon-separated hex octets.
DUID = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){2,129}")
MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


class Analysis:
    """The state of one pass over the inventory; each stage adds to it."""

    def __init__(self):
        self.errors = []
        self.settings = None
        self.customer_prefixes = []
        self.vpn_prefix = None
        self.vpn_prefix_unset = True
        self.leases = {}  # (vm, proto) -> active lease address
        self.registry = None  # the raw v6only_gateway_registry mapping (quotas are read from it)
        self.grants = {}  # customer -> {domains, prefixes, verified, refused_*}, from the registry
        self.domain_grants = {}  # granted domain -> customer
        self.prefix_grants = {}  # granted prefix -> customer
        self.reserved_zones = []  # the provider's zones besides settings.zone
        self.customers = []
        self.vms = []
        self.rows = []  # pending rows; listen_ipv4 of lend rows comes from leases
        self.demands = {}  # (vm, proto) -> lend demand
        self.peers = []
        self.customer_source = {}
        self.vm_owner = {}
        self.address_owner = {}
        self.duid_owner = {}
        self.mac_owner = {}
        self.prefix_owner = []
        self.name_owner = {}  # name, zone or mail domain -> customer
        self.zone_owner = {}  # zone -> (customer, vm, field)
        self.routed = {}  # (listen port, name) -> (customer, vm, field)
        self.claims = []  # (name, kind, customer, vm, field) for the zone-suffix pass
        self.ssh_ports = {}
        self.ftps_ranges = []
        self.peer_index = {}
        self.peer_key = {}
        self.peer_name = {}

    def error(self, scope, field, problem, fix):
        self.errors.append(error_line(scope, field, problem, fix))

    def taken(self, index, key, owner, scope, field, problem, fix):
        """True, reported, when `key` already has an owner in `index`; else record `owner`.

        `problem` is a format string given the key ({0}) and its first owner ({1}).
        """
        if key in index:
            self.error(scope, field, problem.format(key, index[key]), fix)
            return True
        index[key] = owner
        return False

    def claim(self, value, what, customer, vm, field):
        """Register a name, zone or mail domain as the customer's; None if unusable."""
        scope = scope_of(customer, vm)
        name = dns_name(value) or reserved_label(value)
        if name is None:
            self.error(scope, field, "{0} is not a valid DNS name".format(shown(value)),
                       "use a fully qualified name of letters, digits and hyphens (xn-- form for IDNs), without wildcards")
            return None
        # Names no one may have (reserved, public suffixes, the provider's
        # zones and their parents), then names outside the customer's grant.
        problem = (refusal(name, [self.settings["zone"]] + self.reserved_zones)
                   or outside_grant(customer, name, self.grants.get(customer), self.domain_grants))
        if problem is not None:
            if problem:
                self.error(scope, field, *problem)
            return None
        owner = self.name_owner.get(name)
        if owner is not None and owner != customer:
            self.error(scope, field, "{0} is already claimed by customer '{1}'".format(name, owner),
                       "remove it here, or have customer '{0}' release it first".format(owner))
            return None
        self.name_owner[name] = customer
        self.claims.append((name, what, customer, vm, field))
        return name


def scope_of(customer, vm=None):
    if vm is None:
        return "customer '{0}'".format(customer)
    return "customer '{0}', vm '{1}'".format(customer, vm)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_list(value):
    return isinstance(value, (list, tuple))


def kind(value):
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if is_int(value):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if is_list(value):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return "a " + type(value).__name__


def dns_name(value):
    """The normalised name, or None when it is not a usable DNS name."""
    if not isinstance(value, str):
        return None
    name = value.lower()
    if name.endswith("."):
        name = name[:-1]
    if len(name) > 253 or not _NAME.fullmatch(name):
        return None
    return str(name)


def unknown_keys(mapping, known):
    """Keys outside `known`, sorted; the common case (none) costs one pass."""
    extra = [k for k in mapping if k not in known]
    return sorted(extra, key=str) if extra else ()


def port_range(value):
    if not (is_list(value) and len(value) == 2 and all(is_int(p) for p in value)):
        return None
    first, last = value
    if not 1 <= first <= last <= 65535:
        return None
    return [first, last]


def ipv4(value):
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        return None


def ipv6_address(value):
    if not isinstance(value, str) or "%" in value:
        return None
    try:
        return ipaddress.IPv6Address(value)
    except ValueError:
        return None


def ipv6(value):
    address = ipv6_address(value)
    return None if address is None else address.compressed


def network(value):
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return ipaddress.IPv6Network(value, strict=True)
    except ValueError:
        return None
