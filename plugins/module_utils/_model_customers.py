"""Stage 2 of the customer model: customers and their VMs.

Each customer file gives a name, an optional prefix, mail domains and VMs.
Each VM gets its address (declared, or derived from its name inside the
customer prefix), DUID and MAC; then its services (stage 3) and VPN peers
(stage 4) are read, so every error of one VM is reported together.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import CATALOGUE, GATEWAY_NAME_FORMAT
from ansible_collections.v6only.gateway.plugins.module_utils._model_peers import read_peers
from ansible_collections.v6only.gateway.plugins.module_utils._model_services import read_services
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import (
    DUID,
    LABEL,
    MAC,
    ipv6_address,
    is_list,
    kind,
    network,
    scope_of,
    unknown_keys,
)
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import (
    MAX_FILE_BYTES,
    cap_errors,
    did_you_mean,
    plain,
    shown,
    strict_problems,
)
from ansible_collections.v6only.gateway.plugins.module_utils._registry import network_granted, registered

CUSTOMER_KEYS = ("name", "prefix", "domains", "vms")
VM_KEYS = ("name", "ipv6", "duid", "mac", "services", "vpn_peers")
# An entry of the customer_files lookup: the file's content kept apart from what the loader says about it.
LOADED_KEYS = frozenset(("name", "file", "error", "content"))
# A VM name must leave room for the longest protocol in one 63-octet label of
# its gateway name.
_GATEWAY_LABEL_OVERHEAD = len(GATEWAY_NAME_FORMAT.split(".", 1)[0].format(proto="", vm="")) + max(
    len(p) for p in CATALOGUE
)
MAX_VM_NAME = 63 - _GATEWAY_LABEL_OVERHEAD


def read_customers(analysis, customers):
    if customers is None:
        customers = []
    if not is_list(customers):
        analysis.error("customers", "customers", "is {0}, not a list".format(kind(customers)), "pass the list the customer_files lookup returns")
        return
    for position, raw in enumerate(customers):
        _customer(analysis, position, raw)


def _customer(analysis, position, raw):
    start = len(analysis.errors)
    entry = _customer_entry(analysis, position, raw)
    if entry is not None:
        _customer_content(analysis, *entry)
    cap_errors(analysis, start, scope_of(entry[0]) if entry else scope_of("#{0}".format(position + 1)))


def _customer_content(analysis, name, raw):
    if not registered(analysis, name):
        return
    scope = scope_of(name)
    for key in unknown_keys(raw, CUSTOMER_KEYS):
        analysis.error(scope, str(key), "unknown option", did_you_mean(key, CUSTOMER_KEYS))
    prefix = _customer_prefix(analysis, scope, name, raw.get("prefix"))
    domains = _domains(analysis, scope, name, raw.get("domains"))
    vms = raw.get("vms")
    if vms is None:
        analysis.error(scope, "vms", "missing", "list the customer's VMs under `vms:`")
        vms = []
    elif not is_list(vms):
        analysis.error(scope, "vms", "is {0}, not a list".format(kind(vms)), "list the customer's VMs under `vms:`")
        vms = []
    vm_names = []
    customer = {"name": str(name), "prefix": str(prefix.with_prefixlen) if prefix else None, "domains": sorted(domains), "vms": vm_names}
    for i, vm in enumerate(vms):
        vm_name = _vm(analysis, customer, prefix, i, vm)
        if vm_name is not None:
            vm_names.append(vm_name)
    analysis.customers.append(customer)


def _unwrapped(raw):
    """(name, source, error, content): a customer_files entry keeps the file's content apart; inline entries are content."""
    if set(raw) == LOADED_KEYS:
        content = raw["content"] if isinstance(raw["content"], Mapping) else {}
        # customers/<file>: the inventory is known, and a run's absolute path would differ between CI runners.
        source = "/".join(str(raw["file"]).split("/")[-2:])
        return raw["name"], source, raw["error"], content
    return raw.get("name"), None, None, raw


def _customer_entry(analysis, position, raw):
    """(name, content) once the customer is usable, strictly written and new, else None (reported)."""
    if not isinstance(raw, Mapping):
        analysis.error(scope_of("#{0}".format(position + 1)), "(entry)", "is {0}, not a mapping".format(kind(raw)),
                       "give each customer a mapping with prefix, domains and vms")
        return None
    name, source, error, content = _unwrapped(raw)
    usable = isinstance(name, str) and LABEL.fullmatch(name)
    scope = scope_of(name if usable else "#{0}".format(position + 1))
    if error is not None:
        analysis.error(scope, "(file)", "{0} {1}".format(plain(source), error),
                       "make the file one plain YAML mapping of at most {0} KiB, without anchors or aliases, with the keys {1}".format(
                           MAX_FILE_BYTES // 1024, ", ".join(CUSTOMER_KEYS[1:])))
        return None
    if not usable:
        analysis.error(scope, "name", "{0} is not a usable customer name".format(shown(name)),
                       "name the customer (its file) with lower-case letters, digits and hyphens")
        return None
    problems = strict_problems(content)
    for field, problem, fix in problems:
        analysis.error(scope, field, problem, fix)
    if problems or _loaded_twice(analysis, scope, name, source):
        return None
    if source is not None and "name" in content and content["name"] != name:
        analysis.error(scope, "name", "the file says name {0} but its file name says {1!r}".format(shown(content["name"]), name),
                       "remove `name:` from the file; the file name is the customer name")
    return name, content


def _loaded_twice(analysis, scope, name, source):
    if name in analysis.customer_source:
        first = analysis.customer_source[name] or "an earlier entry"
        analysis.error(scope, "name", "customer loaded twice (from {0} and from {1})".format(first, source or "a later entry"),
                       "keep exactly one file per customer; delete or rename the other one")
        return True
    analysis.customer_source[name] = source
    return False


def _customer_prefix(analysis, scope, name, value):
    if value is None:
        return None
    prefix = network(value)
    providers = analysis.customer_prefixes
    if prefix is None:
        analysis.error(scope, "prefix", "{0} is not an IPv6 prefix (network address with /length)".format(shown(value)),
                       "write it as network/length with no host bits, e.g. 2001:db8:100:a::/64")
    elif providers and not any(prefix.prefixlen >= p.prefixlen and prefix.network_address in p for p in providers):
        analysis.error(scope, "prefix", "{0} is outside the provider's customer prefixes ({1})".format(prefix, ", ".join(map(str, providers))),
                       "take the prefix from one of the provider's customer prefixes")
        return None
    elif network_granted(analysis, name, prefix, scope, "prefix", "prefix {0}"):
        # A prefix outside the grant is reported once; the VMs derived inside
        # it are not reported again.
        analysis.prefix_owner.append((prefix, name))
    return prefix


def _domains(analysis, scope, name, value):
    if value is not None and not is_list(value):
        analysis.error(scope, "domains", "is {0}, not a list".format(kind(value)), "write it as a list, e.g. [{0}.example]".format(name))
        value = []
    domains = []
    for i, raw in enumerate(value or []):
        domain = analysis.claim(raw, "domain", name, None, "domains[{0}]".format(i))
        if domain is not None and domain not in domains:
            domains.append(domain)
    return domains


def _vm(analysis, customer, prefix, index, raw):
    cname = customer["name"]
    name = _vm_name(analysis, cname, index, raw)
    if name is None:
        return None
    scope = scope_of(cname, name)
    for key in unknown_keys(raw, VM_KEYS):
        analysis.error(scope, str(key), "unknown option", did_you_mean(key, VM_KEYS))
    ipv6 = _vm_address(analysis, scope, cname, name, prefix, raw.get("ipv6"))
    duid = _identity(analysis, scope, raw.get("duid"), "duid", DUID, analysis.duid_owner, name,
                     'write it as colon-separated hex octets in quotes, e.g. "00:03:00:01:02:00:00:00:0a:10"')
    mac = _identity(analysis, scope, raw.get("mac"), "mac", MAC, analysis.mac_owner, name,
                    'write it as six colon-separated hex octets in quotes, e.g. "02:00:00:00:0a:10"')
    analysis.vms.append({"customer": cname, "name": name, "ipv6": ipv6, "duid": duid, "mac": mac})
    read_services(analysis, customer, name, scope, ipv6, raw.get("services"))
    read_peers(analysis, cname, name, scope, raw.get("vpn_peers"))
    return name


def _vm_name(analysis, cname, index, raw):
    if not isinstance(raw, Mapping):
        analysis.error(scope_of(cname, "vms[{0}]".format(index)), "vms[{0}]".format(index), "is {0}, not a mapping".format(kind(raw)),
                       "give each VM a mapping with name, ipv6 and services")
        return None
    name = raw.get("name")
    usable = isinstance(name, str) and LABEL.fullmatch(name) and len(name) <= MAX_VM_NAME
    scope = scope_of(cname, name if usable else "vms[{0}]".format(index))
    if not usable:
        analysis.error(scope, "name", "{0} is not a usable VM name".format(shown(name)),
                       "use up to {0} lower-case letters, digits and hyphens (it becomes part of a DNS label)".format(MAX_VM_NAME))
        return None
    if analysis.taken(analysis.vm_owner, name, cname, scope, "name", "VM name already used by customer '{1}'", "give every VM a globally unique name"):
        return None
    return name


def _vm_address(analysis, scope, customer, vm, prefix, value):
    if value is None:
        if prefix is None:
            analysis.error(scope, "ipv6", "missing", "set the VM's IPv6 address, or give the customer a `prefix` to derive it from")
            return None
        # Derived from the name, not the position, so adding or reordering
        # VMs never renumbers one.
        digest = int.from_bytes(hashlib.sha256(vm.encode()).digest(), "big")
        offset = digest % prefix.num_addresses or 1
        address = ipaddress.IPv6Address(int(prefix.network_address) + offset)
    else:
        address = ipv6_address(value)
    if address is None:
        analysis.error(scope, "ipv6", "{0} is not an IPv6 address".format(shown(value)), "write a global IPv6 address such as 2001:db8:100:a::10")
        return None
    ipv6 = address.compressed
    providers = analysis.customer_prefixes
    if prefix is not None and address not in prefix:
        analysis.error(scope, "ipv6", "{0} is outside the customer prefix {1}".format(ipv6, prefix), "use an address inside {0}".format(prefix))
    elif providers and not any(address in p for p in providers):
        analysis.error(scope, "ipv6", "{0} is outside the provider's customer prefixes ({1})".format(ipv6, ", ".join(map(str, providers))),
                       "use an address the provider assigned to customers")
    elif prefix is None and not network_granted(analysis, customer, ipaddress.IPv6Network(address), scope, "ipv6", "address {0}"):
        return ipv6  # another customer's address is theirs, not a duplicate of this customer's
    owner = analysis.address_owner.get(ipv6)
    if owner is not None:
        analysis.error(scope, "ipv6", "{0} is already the address of vm '{1}' (customer '{2}')".format(ipv6, owner[1], owner[0]),
                       "give every VM its own address")
    else:
        analysis.address_owner[ipv6] = (customer, vm)
    return ipv6


def _identity(analysis, scope, value, field, pattern, owners, vm, fix):
    if value is None:
        return None
    if not isinstance(value, str):
        analysis.error(scope, field, "is {0}; YAML reads unquoted colon-separated digits as a number".format(kind(value)), fix)
        return None
    norm = value.lower()
    if not pattern.fullmatch(norm):
        analysis.error(scope, field, "{0} is not a valid {1}".format(shown(value), field.upper()), fix)
        return None
    if analysis.taken(owners, norm, vm, scope, field, "{0} is already used by vm '{1}'", "give every VM its own {0}".format(field.upper())):
        return None
    return norm
