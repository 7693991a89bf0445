"""The customer model: validation and the forward table, as pure functions.

`validate()` reports every problem in the inventory at once; `build_model()`
turns a valid inventory into the fact every role renders from. Both walk the
input once (`_Analysis`), so validating and building cost one pass, and every
cross-customer check is a dict or set lookup: 50,000 customers stay linear.

The output shape is the contract in docs/customer-model.md.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import gc
import hashlib
import ipaddress
import re
from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import subnet_for
from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import (
    CATALOGUE,
    DEFAULT_SETTINGS,
    GATEWAY_NAME_FORMAT,
    ROUTING_ROLES,
    SERVING_ROLES,
    SERVICE_OPTIONS,
    TRANSPORTS,
    allowed_options,
    gateway_listen_ports,
)

# RFC 6052 §2.2 allows only these NAT64 prefix lengths.
_NAT64_LENGTHS = (32, 40, 48, 56, 64, 96)
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_NAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Looked up once per service, so computed once per process.
_ALLOWED = {proto: allowed_options(proto) for proto in CATALOGUE}
_DUID = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){2,129}$")
_MAC = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$")
# A VM name must leave room for the longest protocol in one 63-octet label of
# its gateway name.
_GATEWAY_LABEL_OVERHEAD = len(GATEWAY_NAME_FORMAT.split(".", 1)[0].format(proto="", vm="")) + max(
    len(p) for p in CATALOGUE
)
MAX_VM_NAME = 63 - _GATEWAY_LABEL_OVERHEAD

CUSTOMER_KEYS = ("name", "prefix", "domains", "vms")
VM_KEYS = ("name", "ipv6", "duid", "mac", "services", "vpn_peers")
PEER_KEYS = ("name", "index", "public_key")
# Set by the customer_files lookup, never by an operator.
INTERNAL_KEYS = ("_source", "_error", "_name_in_file")
LEASE_STATES = ("active", "draining")


class CustomerModelError(ValueError):
    """The inventory is invalid; `errors` lists every problem."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(format_errors(self.errors))


def format_errors(errors):
    """One header line with the count, then one line per error."""
    count = len(errors)
    header = "The customer model has {0} error{1}; no host was changed:".format(count, "" if count == 1 else "s")
    return "\n".join([header] + ["- " + e for e in errors])


def validate(customers, settings=None, leases=None):
    """Every problem in customers, settings and leases, as a list of messages."""
    with _cyclic_gc_paused():
        return _Analysis(customers, settings, leases).errors


def build_model(customers, settings=None, leases=None):
    """The customer model (docs/customer-model.md); raises CustomerModelError."""
    with _cyclic_gc_paused():
        analysis = _Analysis(customers, settings, leases)
        if analysis.errors:
            raise CustomerModelError(analysis.errors)
        return analysis.model()


@contextlib.contextmanager
def _cyclic_gc_paused():
    # The model is a tree of fresh, acyclic containers; pausing the cyclic
    # collector spares repeated full-heap scans that otherwise make 50,000
    # customers grow worse than linearly. Reference counting still frees.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_list(value):
    return isinstance(value, (list, tuple))


def _kind(value):
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if _is_int(value):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if _is_list(value):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return "a " + type(value).__name__


def _dns_name(value):
    """The normalised name, or None when it is not a usable DNS name."""
    if not isinstance(value, str):
        return None
    name = value.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if len(name) > 253 or not _NAME.match(name):
        return None
    return str(name)


def _unknown_keys(mapping, known):
    """Keys outside `known`, sorted; the common case (none) costs one pass."""
    extra = [k for k in mapping if k not in known]
    return sorted(extra, key=str) if extra else ()


def _port_range(value):
    if not (_is_list(value) and len(value) == 2 and all(_is_int(p) for p in value)):
        return None
    first, last = value
    if not 1 <= first <= last <= 65535:
        return None
    return [first, last]


class _Analysis:
    """One pass over the inventory: collects errors and the pieces of the model."""

    def __init__(self, customers, settings, leases):
        self.errors = []
        self.settings = self._settings(settings)
        self.customers = []
        self.vms = []
        self.rows = []  # pending rows; listen_ipv4 of lend rows comes from leases
        self.demands = {}  # (vm, proto) -> lend demand
        self.peers = []
        self.leases = self._leases(leases)
        # Cross-customer indexes: every uniqueness check is one lookup.
        self._customer_source = {}
        self._vm_owner = {}
        self._address_owner = {}
        self._duid_owner = {}
        self._mac_owner = {}
        self._prefix_owner = []
        self._name_owner = {}  # name, zone or mail domain -> customer
        self._zone_owner = {}  # zone -> (customer, vm, field)
        self._routed = {}  # (listen port, name) -> (customer, vm, field)
        self._claims = []  # (name, kind, customer, vm, field) for the zone-suffix pass
        self._ssh_ports = {}
        self._ftps_ranges = []
        self._peer_index = {}
        self._peer_key = {}
        self._peer_name = {}
        self._customers(customers)
        self._cross_checks()

    # -- reporting -------------------------------------------------------

    def _error(self, scope, field, problem, fix):
        self.errors.append("{0}, field '{1}': {2}. Fix: {3}.".format(scope, field, problem, fix))

    @staticmethod
    def _scope(customer, vm=None):
        if vm is None:
            return "customer '{0}'".format(customer)
        return "customer '{0}', vm '{1}'".format(customer, vm)

    # -- settings --------------------------------------------------------

    def _settings(self, raw):
        scope = "settings 'v6only_gateway'"
        out = copy.deepcopy(DEFAULT_SETTINGS)
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            self._error(scope, "v6only_gateway", "is {0}, not a mapping".format(_kind(raw)), "set it to a mapping of gateway settings")
            raw = {}
        for key in sorted(k for k in raw if k not in DEFAULT_SETTINGS):
            self._error(scope, str(key), "unknown setting", "remove it or use one of: " + ", ".join(DEFAULT_SETTINGS))
        for key in DEFAULT_SETTINGS:
            if key in raw and raw[key] is not None:
                out[key] = raw[key]
        self.valid_settings = True
        before = len(self.errors)

        def bad(field, problem, fix):
            self._error(scope, field, problem, fix)

        net = self._network(out["nat64_prefix"])
        if net is None or net.prefixlen not in _NAT64_LENGTHS:
            bad("nat64_prefix", "{0!r} is not an IPv6 prefix of length {1}".format(out["nat64_prefix"], "/".join(map(str, _NAT64_LENGTHS))),
                "use an RFC 6052 prefix such as 64:ff9b::/96 or a /96 of your own")
        else:
            out["nat64_prefix"] = str(net.with_prefixlen)

        self.customer_prefixes = []
        prefixes = out["customer_prefixes"]
        if not _is_list(prefixes) or not prefixes:
            bad("customer_prefixes", "must be a non-empty list of IPv6 prefixes", "list the prefixes customer VMs live in, e.g. [2001:db8:100::/48]")
            prefixes = []
        for i, value in enumerate(prefixes):
            net = self._network(value)
            if net is None:
                bad("customer_prefixes[{0}]".format(i), "{0!r} is not an IPv6 prefix (network address with /length)".format(value),
                    "write it as network/length with no host bits, e.g. 2001:db8:100::/48")
            else:
                self.customer_prefixes.append(net)
        out["customer_prefixes"] = [str(n.with_prefixlen) for n in self.customer_prefixes]

        addr = self._ipv4(out["gateway_ipv4"])
        if addr is None:
            bad("gateway_ipv4", "{0!r} is not an IPv4 address".format(out["gateway_ipv4"]), "set the gateway's shared inbound IPv4 address, e.g. 198.51.100.20")
        else:
            out["gateway_ipv4"] = addr
        if out["gateway_ipv6"] is not None:
            addr6 = self._ipv6(out["gateway_ipv6"])
            if addr6 is None:
                bad("gateway_ipv6", "{0!r} is not an IPv6 address".format(out["gateway_ipv6"]), "set an IPv6 address or remove the key")
            else:
                out["gateway_ipv6"] = addr6

        resolvers = out["resolvers"]
        if not isinstance(resolvers, list) or any(self._ipv6(r) is None for r in resolvers):
            bad("resolvers", "{0!r} is not a list of IPv6 addresses".format(resolvers),
                "list the DNS64 resolvers' IPv6 addresses, e.g. [2001:db8:10::53]")
        else:
            out["resolvers"] = [self._ipv6(r) for r in resolvers]

        zone = _dns_name(out["zone"])
        if zone is None or len(zone) > 253 - 64:
            bad("zone", "{0!r} is not a usable DNS zone".format(out["zone"]), "use the provider zone for gateway names, e.g. ip4-gw.example.net")
        else:
            out["zone"] = zone

        listen = set(gateway_listen_ports())
        for key in ("ssh_port_range", "ftp_data_port_range"):
            rng = _port_range(out[key])
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
        if _port_range(ssh) and _port_range(ftp) and ssh[0] <= ftp[1] and ftp[0] <= ssh[1]:
            bad("ftp_data_port_range", "overlaps ssh_port_range {0}".format(ssh), "make the two ranges disjoint")

        self.vpn_prefix = None
        # Peers report a missing vpn_prefix; a malformed one is reported here.
        self._vpn_prefix_unset = out["vpn_prefix"] is None
        if out["vpn_prefix"] is not None:
            net = self._network(out["vpn_prefix"])
            if net is None or net.prefixlen > 63:
                bad("vpn_prefix",
                    "{0!r} is not an IPv6 prefix shorter than /64".format(out["vpn_prefix"]),
                    "use a prefix such as 2001:db8:200::/48; peer n gets its n-th /64")
            else:
                self.vpn_prefix = net
                out["vpn_prefix"] = str(net.with_prefixlen)

        if not _is_int(out["dns_ttl"]) or out["dns_ttl"] < 1:
            bad("dns_ttl", "{0!r} is not a positive number of seconds".format(out["dns_ttl"]), "set the TTL of gateway records, e.g. 300")

        pool = out["lending_pool"]
        if not _is_list(pool):
            bad("lending_pool", "is {0}, not a list of IPv4 addresses".format(_kind(pool)), "list the addresses to lend, e.g. [198.51.100.40, 198.51.100.41]")
            pool = []
        seen = set()
        normalised = []
        for i, value in enumerate(pool):
            addr = self._ipv4(value)
            if addr is None:
                bad("lending_pool[{0}]".format(i), "{0!r} is not an IPv4 address".format(value), "write a dotted-quad address such as 198.51.100.40")
            elif addr in seen:
                bad("lending_pool[{0}]".format(i), "{0} is listed twice".format(addr), "remove the duplicate")
            elif addr == out["gateway_ipv4"]:
                bad("lending_pool[{0}]".format(i), "{0} is the gateway_ipv4 address".format(addr), "lend only addresses the gateway does not listen on")
            else:
                seen.add(addr)
                normalised.append(addr)
        out["lending_pool"] = normalised

        carries = out["carries"]
        if not isinstance(carries, Mapping):
            bad("carries", "is {0}, not a mapping".format(_kind(carries)), "write it as {proto: routing}, e.g. {smtp: relay}")
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
        self.valid_settings = len(self.errors) == before
        return out

    # -- parsers that return None on garbage -----------------------------

    @staticmethod
    def _ipv4(value):
        if not isinstance(value, str):
            return None
        try:
            return str(ipaddress.IPv4Address(value.strip()))
        except ValueError:
            return None

    @classmethod
    def _ipv6(cls, value):
        address = cls._ipv6_address(value)
        return None if address is None else address.compressed

    @staticmethod
    def _ipv6_address(value):
        if not isinstance(value, str) or "%" in value:
            return None
        try:
            return ipaddress.IPv6Address(value.strip())
        except ValueError:
            return None

    @staticmethod
    def _network(value):
        if not isinstance(value, str) or "/" not in value:
            return None
        try:
            return ipaddress.IPv6Network(value.strip(), strict=True)
        except ValueError:
            return None

    # -- leases ----------------------------------------------------------

    def _leases(self, leases):
        active = {}
        if leases is None:
            return active
        if not _is_list(leases):
            self._error("leases", "leases", "is {0}, not a list".format(_kind(leases)), "write the lease file as a mapping with a `leases:` list")
            return active
        for i, lease in enumerate(leases):
            scope = "lease {0}".format(i)
            if not isinstance(lease, Mapping):
                self._error(scope, "leases[{0}]".format(i), "is {0}, not a mapping".format(_kind(lease)), "give each lease address, vm, proto and state")
                continue
            address = self._ipv4(lease.get("address"))
            if address is None:
                self._error(scope, "leases[{0}].address".format(i), "{0!r} is not an IPv4 address".format(
                    lease.get("address")), "restore the lease file from git; ipv4_lending writes it")
                continue
            state = lease.get("state")
            if state not in LEASE_STATES:
                self._error(scope, "leases[{0}].state".format(i), "{0!r} is not a lease state".format(state), "use one of: " + ", ".join(LEASE_STATES))
                continue
            key = (lease.get("vm"), lease.get("proto"))
            if state != "active":
                continue
            if key in active:
                self._error(scope, "leases[{0}]".format(i), "vm {0!r} proto {1!r} has two active leases ({2} and {3})".format(
                    key[0], key[1], active[key], address), "keep one active lease per (vm, proto); set the other to draining")
                continue
            active[key] = address
        return active

    # -- customers -------------------------------------------------------

    def _customers(self, customers):
        if customers is None:
            customers = []
        if not _is_list(customers):
            self._error("customers", "customers", "is {0}, not a list".format(_kind(customers)), "pass the list the customer_files lookup returns")
            return
        for position, raw in enumerate(customers):
            self._customer(position, raw)

    def _customer(self, position, raw):
        if not isinstance(raw, Mapping):
            self._error(
                self._scope(
                    "#{0}".format(
                        position + 1)),
                "(entry)",
                "is {0}, not a mapping".format(
                    _kind(raw)),
                "give each customer a mapping with prefix, domains and vms")
            return
        name = raw.get("name")
        source = raw.get("_source")
        label = name if isinstance(name, str) and name else "#{0}".format(position + 1)
        scope = self._scope(label)
        if "_error" in raw:
            self._error(scope, "(file)", "{0} {1}".format(source or "the file", raw["_error"]),
                        "make the file one YAML mapping with the keys " + ", ".join(CUSTOMER_KEYS[1:]))
            return
        if not (isinstance(name, str) and _LABEL.match(name)):
            self._error(scope, "name", "{0!r} is not a usable customer name".format(name),
                        "name the customer (its file) with lower-case letters, digits and hyphens")
            return
        if name in self._customer_source:
            first = self._customer_source[name] or "an earlier entry"
            self._error(scope, "name", "customer loaded twice (from {0} and from {1})".format(first, source or "a later entry"),
                        "keep exactly one file per customer; delete or rename the other one")
            return
        self._customer_source[name] = source
        if "_name_in_file" in raw:
            self._error(scope, "name", "the file says name {0!r} but its file name says {1!r}".format(raw["_name_in_file"], name),
                        "remove `name:` from the file; the file name is the customer name")
        for key in _unknown_keys(raw, CUSTOMER_KEYS + INTERNAL_KEYS):
            self._error(scope, str(key), "unknown option", "remove it or use one of: " + ", ".join(CUSTOMER_KEYS[1:]))

        prefix = None
        if raw.get("prefix") is not None:
            prefix = self._network(raw["prefix"])
            if prefix is None:
                self._error(scope, "prefix", "{0!r} is not an IPv6 prefix (network address with /length)".format(raw["prefix"]),
                            "write it as network/length with no host bits, e.g. 2001:db8:100:a::/64")
            elif self.customer_prefixes and not any(prefix.prefixlen >= p.prefixlen and prefix.network_address in p for p in self.customer_prefixes):
                self._error(scope, "prefix", "{0} is outside the provider's customer prefixes ({1})".format(prefix, ", ".join(
                    map(str, self.customer_prefixes))), "take the prefix from one of the provider's customer prefixes")
                prefix = None
            else:
                self._prefix_owner.append((prefix, name))

        domains = []
        raw_domains = raw.get("domains")
        if raw_domains is not None and not _is_list(raw_domains):
            self._error(scope, "domains", "is {0}, not a list".format(_kind(raw_domains)), "write it as a list, e.g. [{0}.example]".format(name))
            raw_domains = []
        for i, value in enumerate(raw_domains or []):
            domain = self._claim(value, "domain", name, None, "domains[{0}]".format(i))
            if domain is not None and domain not in domains:
                domains.append(domain)

        vm_names = []
        vms = raw.get("vms")
        if vms is None:
            self._error(scope, "vms", "missing", "list the customer's VMs under `vms:`")
            vms = []
        elif not _is_list(vms):
            self._error(scope, "vms", "is {0}, not a list".format(_kind(vms)), "list the customer's VMs under `vms:`")
            vms = []
        customer = {"name": str(name), "prefix": str(prefix.with_prefixlen) if prefix else None, "domains": sorted(domains), "vms": vm_names}
        for i, vm in enumerate(vms):
            vm_name = self._vm(customer, prefix, i, vm)
            if vm_name is not None:
                vm_names.append(vm_name)
        self.customers.append(customer)

    def _claim(self, value, kind, customer, vm, field):
        """Register a name, zone or mail domain as the customer's; None if unusable."""
        scope = self._scope(customer, vm)
        name = _dns_name(value)
        if name is None:
            self._error(scope, field, "{0!r} is not a valid DNS name".format(value),
                        "use a fully qualified name of letters, digits and hyphens (xn-- form for IDNs), without wildcards")
            return None
        zone = self.settings["zone"]
        if name == zone or name.endswith("." + zone):
            self._error(scope, field, "{0} is inside the provider zone {1}".format(name, zone), "use a name the customer owns")
            return None
        owner = self._name_owner.get(name)
        if owner is not None and owner != customer:
            self._error(scope, field, "{0} is already claimed by customer '{1}'".format(name, owner),
                        "remove it here, or have customer '{0}' release it first".format(owner))
            return None
        self._name_owner[name] = customer
        self._claims.append((name, kind, customer, vm, field))
        return name

    # -- VMs -------------------------------------------------------------

    def _vm(self, customer, prefix, index, raw):
        cname = customer["name"]
        if not isinstance(raw, Mapping):
            self._error(self._scope(cname, "vms[{0}]".format(index)), "vms[{0}]".format(index), "is {0}, not a mapping".format(_kind(raw)),
                        "give each VM a mapping with name, ipv6 and services")
            return None
        name = raw.get("name")
        label = name if isinstance(name, str) and name else "vms[{0}]".format(index)
        scope = self._scope(cname, label)
        if not (isinstance(name, str) and _LABEL.match(name) and len(name) <= MAX_VM_NAME):
            self._error(scope, "name", "{0!r} is not a usable VM name".format(name),
                        "use up to {0} lower-case letters, digits and hyphens (it becomes part of a DNS label)".format(MAX_VM_NAME))
            return None
        if name in self._vm_owner:
            self._error(scope, "name", "VM name already used by customer '{0}'".format(self._vm_owner[name]), "give every VM a globally unique name")
            return None
        self._vm_owner[name] = cname
        for key in _unknown_keys(raw, VM_KEYS):
            self._error(scope, str(key), "unknown option", "remove it or use one of: " + ", ".join(VM_KEYS))

        ipv6 = self._vm_address(scope, cname, name, prefix, raw.get("ipv6"))
        duid = self._identity(scope, raw.get("duid"), "duid", _DUID, self._duid_owner, name,
                              'write it as colon-separated hex octets in quotes, e.g. "00:03:00:01:02:00:00:00:0a:10"')
        mac = self._identity(scope, raw.get("mac"), "mac", _MAC, self._mac_owner, name,
                             'write it as six colon-separated hex octets in quotes, e.g. "02:00:00:00:0a:10"')
        self.vms.append({"customer": cname, "name": name, "ipv6": ipv6, "duid": duid, "mac": mac})

        services = raw.get("services")
        if services is None:
            services = []
        if not _is_list(services):
            self._error(scope, "services", "is {0}, not a list".format(_kind(services)), "list the VM's services under `services:`")
            services = []
        protos = {}
        custom_ports = {}
        backends = {}  # (transport, backend port) -> (proxy_protocol, index, proto)
        for i, svc in enumerate(services):
            self._service(customer, name, scope, ipv6, i, svc, protos, custom_ports, backends)

        peers = raw.get("vpn_peers")
        if peers is None:
            peers = []
        if not _is_list(peers):
            self._error(scope, "vpn_peers", "is {0}, not a list".format(_kind(peers)), "list the peers under `vpn_peers:`")
            peers = []
        for i, peer in enumerate(peers):
            self._peer(cname, name, scope, i, peer)
        return name

    def _vm_address(self, scope, customer, vm, prefix, value):
        if value is None:
            if prefix is None:
                self._error(scope, "ipv6", "missing", "set the VM's IPv6 address, or give the customer a `prefix` to derive it from")
                return None
            # Derived from the name, not the position, so adding or reordering
            # VMs never renumbers one.
            digest = int.from_bytes(hashlib.sha256(vm.encode()).digest(), "big")
            offset = digest % prefix.num_addresses or 1
            address = ipaddress.IPv6Address(int(prefix.network_address) + offset)
        else:
            address = self._ipv6_address(value)
        if address is None:
            self._error(scope, "ipv6", "{0!r} is not an IPv6 address".format(value), "write a global IPv6 address such as 2001:db8:100:a::10")
            return None
        ipv6 = address.compressed
        if prefix is not None and address not in prefix:
            self._error(scope, "ipv6", "{0} is outside the customer prefix {1}".format(ipv6, prefix), "use an address inside {0}".format(prefix))
        elif self.customer_prefixes and not any(address in p for p in self.customer_prefixes):
            self._error(scope, "ipv6", "{0} is outside the provider's customer prefixes ({1})".format(ipv6, ", ".join(map(str, self.customer_prefixes))),
                        "use an address the provider assigned to customers")
        owner = self._address_owner.get(ipv6)
        if owner is not None:
            self._error(
                scope,
                "ipv6",
                "{0} is already the address of vm '{1}' (customer '{2}')".format(
                    ipv6,
                    owner[1],
                    owner[0]),
                "give every VM its own address")
        else:
            self._address_owner[ipv6] = (customer, vm)
        return ipv6

    def _identity(self, scope, value, field, pattern, owners, vm, fix):
        if value is None:
            return None
        if not isinstance(value, str):
            self._error(scope, field, "is {0}; YAML reads unquoted colon-separated digits as a number".format(_kind(value)), fix)
            return None
        norm = value.strip().lower()
        if not pattern.match(norm):
            self._error(scope, field, "{0!r} is not a valid {1}".format(value, field.upper()), fix)
            return None
        if norm in owners:
            self._error(scope, field, "{0} is already used by vm '{1}'".format(norm, owners[norm]), "give every VM its own {0}".format(field.upper()))
            return None
        owners[norm] = vm
        return norm

    # -- services --------------------------------------------------------

    def _service(self, customer, vm, scope, ipv6, index, raw, protos, custom_ports, backends):
        cname = customer["name"]
        where = "services[{0}]".format(index)
        if not isinstance(raw, Mapping):
            self._error(scope, where, "is {0}, not a mapping".format(_kind(raw)), "write each service as a mapping with at least `proto:`")
            return
        proto = raw.get("proto")
        if proto not in CATALOGUE:
            self._error(scope, where + ".proto", "unknown protocol {0!r}".format(proto),
                        "use one of: {0}; anything else is `custom` with port and transport".format(", ".join(CATALOGUE)))
            return
        entry = CATALOGUE[proto]
        allowed = _ALLOWED[proto]
        for key in _unknown_keys(raw, allowed):
            if key in SERVICE_OPTIONS:
                self._error(scope, "{0}.{1}".format(where, key), "option does not apply to {0}".format(proto),
                            "remove it; {0} takes: {1}".format(proto, ", ".join(allowed[1:])))
            else:
                self._error(scope, "{0}.{1}".format(where, key), "unknown option", "remove it; {0} takes: {1}".format(proto, ", ".join(allowed[1:])))
        if proto != "custom":
            if proto in protos:
                self._error(scope, where + ".proto", "{0} is already declared as services[{1}]".format(proto, protos[proto]),
                            "declare each protocol once per VM; merge the names into one entry")
                return
            protos[proto] = index
        routing = self.settings["carries"].get(proto, entry["routing"])
        ok = True

        proxy = raw.get("proxy_protocol", False)
        if not isinstance(proxy, bool):
            self._error(scope, where + ".proxy_protocol", "{0!r} is not true or false".format(proxy), "write true or false")
            ok = False

        transport = entry["transport"]
        port = entry["port"]
        if proto == "custom":
            transport = raw.get("transport")
            if transport not in TRANSPORTS:
                self._error(scope, where + ".transport", "{0!r} is not a transport".format(transport), "use one of: " + ", ".join(TRANSPORTS))
                ok = False
            port = raw.get("port")
            if not (_is_int(port) and 1 <= port <= 65535):
                self._error(scope, where + ".port", "{0!r} is not a port number".format(port), "give the service's port, 1-65535")
                ok = False
            elif ok:
                taken = [t for t in ("tcp", "udp") if t in transport and (t, port) in custom_ports]
                if taken:
                    self._error(scope, where + ".port", "{0}/{1} is already declared as services[{2}]".format(taken[0], port, custom_ports[(taken[0], port)]),
                                "declare each custom port once per VM")
                    ok = False
                for t in ("tcp", "udp"):
                    if t in transport:
                        custom_ports[(t, port)] = index
            backend_port = port
        else:
            backend_port = raw.get("port", port)
            if not (_is_int(backend_port) and 1 <= backend_port <= 65535):
                self._error(scope, where + ".port", "{0!r} is not a port number".format(backend_port),
                            "give the backend port, 1-65535, or remove it to use {0}".format(port))
                ok = False

        listen_port = port
        match = []
        if "names" in entry["needs"] and routing in ("host", "sni"):
            match = self._names(raw.get("names"), customer, vm, scope, where + ".names", listen_port)
            ok = ok and bool(match)
        elif "zones" in entry["needs"]:
            match = self._zones(raw.get("zones"), cname, vm, scope, where + ".zones")
            ok = ok and bool(match)
        elif routing == "relay":
            if not customer["domains"]:
                self._error(self._scope(cname), "domains", "is empty but the gateway relays {0} for every customer".format(proto),
                            "list the customer's mail domains under `domains:`")
                ok = False
            match = list(customer["domains"])

        if "gateway_port" in entry["needs"]:
            listen_port = self._gateway_port(raw.get("gateway_port"), cname, vm, scope, where + ".gateway_port")
            ok = ok and listen_port is not None

        data_ports = None
        if "data_ports" in entry["needs"]:
            data_ports = self._data_ports(raw.get("data_ports"), scope, where + ".data_ports", routing, vm)
            ok = ok and data_ports is not None

        if ok:
            # One listening socket on the VM either expects a PROXY header or
            # does not, so every service reaching it must agree.
            for t in ("tcp", "udp"):
                if t not in transport:
                    continue
                first = backends.setdefault((t, backend_port), (proxy, index, proto))
                if first[0] != proxy:
                    self._error(scope, where + ".proxy_protocol",
                                "{0} sends {1} to {2} port {3}, where services[{4}] ({5}) sends {6}".format(
                                    proto, "PROXY headers" if proxy else "no PROXY header", t, backend_port, first[1], first[2],
                                    "PROXY headers" if first[0] else "none"),
                                "set the same proxy_protocol on both, or point one at another backend `port`")
                    ok = False
                    break
        if not ok or ipv6 is None:
            return
        gateway_name = GATEWAY_NAME_FORMAT.format(proto=proto, vm=vm, zone=self.settings["zone"])
        self.rows.append({
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
            "proxy_protocol": proxy,
            "data_ports": data_ports,
            "gateway_name": gateway_name,
        })
        if routing == "lend":
            demand = self.demands.get((vm, proto))
            if demand is None:
                demand = {"vm": vm, "customer": cname, "proto": proto, "ports": [], "data_ports": list(data_ports) if data_ports else None}
                self.demands[(vm, proto)] = demand
            for t in ("tcp", "udp"):
                if t in transport:
                    demand["ports"].append({"transport": t, "port": listen_port})

    def _names(self, value, customer, vm, scope, field, listen_port):
        cname = customer["name"]
        if not _is_list(value) or not value:
            self._error(scope, field, "is empty, but this protocol is routed by name" if not value else "is {0}, not a list".format(_kind(value)),
                        "list the DNS names clients use, e.g. [www.{0}.example]".format(cname))
            return []
        names = []
        for i, raw in enumerate(value):
            item = "{0}[{1}]".format(field, i)
            name = self._claim(raw, "name", cname, vm, item)
            if name is None:
                continue
            routed = self._routed.get((listen_port, name))
            if routed is not None:
                if routed[1] == vm and routed[2].startswith(field):
                    problem = "{0} is listed twice".format(name)
                else:
                    problem = "{0} on port {1} is already routed to vm '{2}' ({3})".format(name, listen_port, routed[1], routed[2])
                self._error(scope, item, problem, "route each name on a port to one service; remove this one")
                continue
            self._routed[(listen_port, name)] = (cname, vm, item)
            names.append(name)
        return names if len(names) == len(value) else []

    def _zones(self, value, customer, vm, scope, field):
        if not _is_list(value) or not value:
            self._error(scope, field, "is empty, but dns is routed by zone" if not value else "is {0}, not a list".format(_kind(value)),
                        "list the zones this VM serves, e.g. [{0}.example]".format(customer))
            return []
        zones = []
        for i, raw in enumerate(value):
            item = "{0}[{1}]".format(field, i)
            zone = self._claim(raw, "zone", customer, vm, item)
            if zone is None:
                continue
            owner = self._zone_owner.get(zone)
            if owner is not None:
                problem = "{0} is listed twice".format(zone) if owner[1] == vm else "{0} is already served by vm '{1}' ({2})".format(zone, owner[1], owner[2])
                self._error(scope, item, problem, "serve each zone from one VM; remove this one")
                continue
            self._zone_owner[zone] = (customer, vm, item)
            zones.append(zone)
        return zones if len(zones) == len(value) else []

    def _gateway_port(self, value, customer, vm, scope, field):
        first, last = self.settings["ssh_port_range"] if _port_range(self.settings["ssh_port_range"]) else (1, 65535)
        if not _is_int(value):
            self._error(scope, field, "missing" if value is None else "{0!r} is not a port number".format(value),
                        "pick a free port in ssh_port_range {0}-{1}; it stays this VM's SSH port".format(first, last))
            return None
        if not first <= value <= last:
            self._error(scope, field, "{0} is outside ssh_port_range {1}-{2}".format(value, first, last), "pick a free port in {0}-{1}".format(first, last))
            return None
        owner = self._ssh_ports.get(value)
        if owner is not None:
            self._error(scope, field, "port {0} is already the SSH port of vm '{1}' (customer '{2}')".format(value, owner[1], owner[0]),
                        "pick another free port in {0}-{1}".format(first, last))
            return None
        self._ssh_ports[value] = (customer, vm)
        return value

    def _data_ports(self, value, scope, field, routing, vm):
        rng = _port_range(value)
        limits = self.settings["ftp_data_port_range"] if _port_range(self.settings["ftp_data_port_range"]) else [1, 65535]
        if rng is None:
            self._error(scope, field, "missing" if value is None else "{0!r} is not a port range [first, last]".format(value),
                        "give the passive range, e.g. [{0}, {1}], inside ftp_data_port_range {2}-{3}".format(limits[0], limits[0] + 9, limits[0], limits[1]))
            return None
        if not limits[0] <= rng[0] <= rng[1] <= limits[1]:
            self._error(scope, field, "{0} is outside ftp_data_port_range {1}-{2}".format(rng,
                        limits[0], limits[1]), "pick a range inside {0}-{1}".format(limits[0], limits[1]))
            return None
        if routing != "lend":
            self._ftps_ranges.append((rng[0], rng[1], vm, scope, field))
        return rng

    def _peer(self, customer, vm, scope, index, raw):
        field = "vpn_peers[{0}]".format(index)
        if not isinstance(raw, Mapping):
            self._error(scope, field, "is {0}, not a mapping".format(_kind(raw)), "give each peer name, index and public_key")
            return
        for key in _unknown_keys(raw, PEER_KEYS):
            self._error(scope, "{0}.{1}".format(field, key), "unknown option", "remove it or use one of: " + ", ".join(PEER_KEYS))
        ok = True
        name = raw.get("name")
        if not (isinstance(name, str) and _LABEL.match(name)):
            self._error(scope, field + ".name", "{0!r} is not a usable peer name".format(name), "use lower-case letters, digits and hyphens")
            ok = False
        elif name in self._peer_name:
            self._error(
                scope,
                field + ".name",
                "peer name {0} is already used by vm '{1}'".format(
                    name,
                    self._peer_name[name]),
                "give every peer a unique name")
            ok = False
        else:
            self._peer_name[name] = vm
        number = raw.get("index")
        prefix = None
        if self.vpn_prefix is None:
            if self._vpn_prefix_unset:
                self._error(scope, field, "VPN peers need settings vpn_prefix", "set v6only_gateway.vpn_prefix, e.g. 2001:db8:200::/48")
            ok = False
        elif not (_is_int(number) and 1 <= number < 2 ** (64 - self.vpn_prefix.prefixlen)):
            self._error(scope,
                        field + ".index",
                        "{0!r} is not a peer index".format(number),
                        "pick an unused number from 1 to {0}; peer n gets the n-th /64 of {1}".format(2 ** (64 - self.vpn_prefix.prefixlen) - 1,
                                                                                                      self.vpn_prefix))
            ok = False
        elif number in self._peer_index:
            self._error(scope, field + ".index", "index {0} is already used by peer '{1}'".format(number, self._peer_index[number]),
                        "pick an unused index; never renumber an existing peer")
            ok = False
        else:
            self._peer_index[number] = name
            prefix = subnet_for(str(self.vpn_prefix), number, 64)
        key = raw.get("public_key")
        decoded = None
        if isinstance(key, str):
            try:
                decoded = base64.b64decode(key.strip(), validate=True)
            except (binascii.Error, ValueError):
                decoded = None
        if decoded is None or len(decoded) != 32:
            self._error(scope, field + ".public_key", "is not a base64 WireGuard public key (32 bytes)",
                        "paste the output of `wg pubkey`; the customer keeps the private key")
            ok = False
        elif key.strip() in self._peer_key:
            self._error(scope,
                        field + ".public_key",
                        "the key is already used by peer '{0}'".format(self._peer_key[key.strip()]),
                        "give every peer its own key pair")
            ok = False
        else:
            self._peer_key[key.strip()] = name
        if ok:
            self.peers.append({"customer": customer, "vm": vm, "name": name, "index": number, "public_key": key.strip(), "prefix": prefix})

    # -- checks that need every customer ----------------------------------

    def _cross_checks(self):
        # A name, zone or mail domain under another customer's zone would let
        # that customer hijack it; walking the name's suffixes keeps this O(n).
        for name, kind, customer, vm, field in self._claims:
            labels = name.split(".")
            for i in range(1, len(labels) - 1):
                suffix = ".".join(labels[i:])
                owner = self._zone_owner.get(suffix)
                if owner is not None and owner[0] != customer:
                    self._error(self._scope(customer, vm), field, "{0} {1} is inside zone {2} of customer '{3}'".format(kind, name, suffix, owner[0]),
                                "use a name under a zone this customer owns, or have '{0}' delegate it".format(owner[0]))
                    break
        # CIDR blocks either nest or are disjoint: after sorting, an overlap
        # always shows against the widest block still open.
        blocks = []
        for prefix, customer in self._prefix_owner:
            first = int(prefix.network_address)
            blocks.append((first, prefix.prefixlen, first + (1 << (128 - prefix.prefixlen)) - 1, prefix, customer))
        blocks.sort(key=lambda b: (b[0], b[1]))
        open_block = None
        for first, _length, last, prefix, customer in blocks:
            if open_block is not None and first <= open_block[0]:
                self._error(self._scope(customer), "prefix", "{0} overlaps prefix {1} of customer '{2}'".format(prefix, open_block[1], open_block[2]),
                            "give every customer a prefix of its own")
                continue
            open_block = (last, prefix, customer)
        last = None
        for first, end, vm, scope, field in sorted(self._ftps_ranges):
            if last is not None and first <= last[1]:
                self._error(scope, field, "[{0}, {1}] overlaps the ftps passive range of vm '{2}' [{3}, {4}]".format(first, end, last[2], last[0], last[1]),
                            "pick a range no other ftps service uses")
                continue
            last = (first, end, vm)
        self._check_pool()

    def _check_pool(self):
        """The pool must hold at least as many addresses as demands want one port."""
        if not self.demands:
            return
        events = []
        for demand in self.demands.values():
            spans = [(p["transport"], p["port"], p["port"]) for p in demand["ports"]]
            if demand["data_ports"]:
                spans.append(("tcp", demand["data_ports"][0], demand["data_ports"][1]))
            for transport, first, last in spans:
                events.append((transport, first, 1))
                events.append((transport, last + 1, -1))
        events.sort()
        peak, where, depth, current = 0, None, 0, None
        for transport, port, delta in events:
            if transport != current:
                current, depth = transport, 0
            depth += delta
            if depth > peak:
                peak, where = depth, (transport, port)
        size = len(self.settings["lending_pool"])
        if peak > size:
            self._error("settings 'v6only_gateway'", "lending_pool", "{0} address{1} but {2} lend demands need {3} port {4}".format(
                size, "" if size == 1 else "es", peak, where[0], where[1]),
                "add at least {0} address{1} to lending_pool, or move services to gateway-routed protocols".format(
                    peak - size, "" if peak - size == 1 else "es"))

    # -- the model --------------------------------------------------------

    def model(self):
        settings = self.settings
        rows = sorted(self.rows, key=lambda r: (r["customer"], r["vm"], r["proto"], r["transport"], r["listen_port"]))
        tables = {role: [] for role in SERVING_ROLES}
        records = {}
        for row in rows:
            if row["routing"] == "lend":
                row["listen_ipv4"] = self.leases.get((row["vm"], row["proto"]))
            else:
                row["listen_ipv4"] = settings["gateway_ipv4"]
            # Tables get their own copies so a YAML dump has no anchors.
            tables[row["served_by"]].append(dict(row, match=list(row["match"]), data_ports=list(row["data_ports"]) if row["data_ports"] else None))
            if row["listen_ipv4"] is not None:
                records[row["gateway_name"]] = {"name": row["gateway_name"], "type": "A", "value": row["listen_ipv4"], "ttl": settings["dns_ttl"]}
        demands = [self.demands[k] for k in sorted(self.demands, key=lambda k: (self.demands[k]["customer"], k[0], k[1]))]
        for demand in demands:
            demand["ports"].sort(key=lambda p: (p["transport"], p["port"]))
        return {
            "nat64_prefix": settings["nat64_prefix"],
            "settings": settings,
            "customers": sorted(self.customers, key=lambda c: c["name"]),
            "vms": sorted(self.vms, key=lambda v: (v["customer"], v["name"])),
            "rows": rows,
            "tables": tables,
            "dns_records": [records[n] for n in sorted(records)],
            "lend_demands": demands,
            "vpn_peers": sorted(self.peers, key=lambda p: p["index"]),
            "summary": {
                "customers": len(self.customers),
                "vms": len(self.vms),
                "rows": len(rows),
                "rows_by_role": {role: len(tables[role]) for role in SERVING_ROLES},
                "lend_demands": len(demands),
                "vpn_peers": len(self.peers),
            },
        }
