"""Stage 1b of the customer model: the provider's registry of grants.

The registry (`v6only_gateway_registry`, group_vars, never a customer file)
says what each customer may use: domains (and every name below them) and
IPv6 prefixes. Customer files are the attack surface; the registry is the
trust boundary, so the later stages ask `_registry` before they accept a
claim. `quotas` (top level and per customer) are read by `_model_quotas`.

A grant the registry itself gets wrong (a public suffix, one domain or
prefix granted twice) is reported here and dropped, so nothing the file then
claims under it is accepted; those claims are not reported a second time.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._grants import REGISTRY_PATH, covering_prefix, parents, refusal, ungranted_network
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import did_you_mean, plain, shown
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import LABEL, dns_name, is_list, kind, network, scope_of, unknown_keys

REGISTRY = "v6only_gateway_registry"
SCOPE = "registry '{0}'".format(REGISTRY)
REGISTRY_KEYS = ("customers", "quotas", "reserved_zones", "require_verified")
GRANT_KEYS = ("domains", "prefixes", "verified", "quotas")
PROOF = "scripts/domain-proof"


def read_registry(analysis, registry):
    """Set analysis.registry (the raw mapping or None) and analysis.grants {customer: grant}."""
    analysis.registry = registry if isinstance(registry, Mapping) else None
    analysis.grants = {}
    if registry is None:
        analysis.error(SCOPE, REGISTRY, "missing: no customer may use anything until the provider grants it",
                       "define {0} in group_vars (inventories/<env>/group_vars/all/registry.yml) with each customer's "
                       "domains and prefixes; see docs/customer-model.md, Registry".format(REGISTRY))
        return
    if not isinstance(registry, Mapping):
        analysis.error(SCOPE, REGISTRY, "is {0}, not a mapping".format(kind(registry)),
                       "set it to a mapping with `customers:`; see docs/customer-model.md, Registry")
        return
    for key in unknown_keys(registry, REGISTRY_KEYS):
        analysis.error(SCOPE, plain(key, 40), "unknown key", did_you_mean(key, REGISTRY_KEYS))
    analysis.reserved_zones = _reserved_zones(analysis, registry.get("reserved_zones"))
    require_verified = registry.get("require_verified", False)
    if not isinstance(require_verified, bool):
        analysis.error(SCOPE, "require_verified", "{0} is not true or false".format(shown(require_verified)), "write true or false")
        require_verified = False
    customers = registry.get("customers")
    if not isinstance(customers, Mapping):
        analysis.error(SCOPE, "customers", "is {0}, not a mapping".format(kind(customers)),
                       "map each customer name to its grant: {domains: [...], prefixes: [...]}")
        return
    for name in sorted(customers, key=str):
        grant = _grant(analysis, name, customers[name])
        if grant is not None:
            analysis.grants[name] = grant
    _shared_domains(analysis)
    _overlapping_prefixes(analysis)
    for name, grant in analysis.grants.items():
        _verification(analysis, name, grant, require_verified)


def _reserved_zones(analysis, value):
    if value is None:
        return []
    if not is_list(value):
        analysis.error(SCOPE, "reserved_zones", "is {0}, not a list".format(kind(value)), "list the provider's other zones")
        return []
    zones = []
    for i, raw in enumerate(value):
        zone = dns_name(raw)
        if zone is None:
            analysis.error(SCOPE, "reserved_zones[{0}]".format(i), "{0} is not a valid DNS name".format(shown(raw)), "write the zone's name, e.g. example.net")
        else:
            zones.append(zone)
    return zones


def _grant(analysis, name, raw):
    """The customer's grant, its values parsed; None when the entry is unusable (reported)."""
    if not (isinstance(name, str) and LABEL.fullmatch(name)):
        analysis.error(SCOPE, "customers", "{0} is not a usable customer name".format(shown(name)),
                       "use the customer file's name: lower-case letters, digits and hyphens")
        return None
    scope = _scope(name)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        analysis.error(scope, "(entry)", "is {0}, not a mapping".format(kind(raw)), "give the customer {domains: [...], prefixes: [...]}")
        return None
    for key in unknown_keys(raw, GRANT_KEYS):
        analysis.error(scope, plain(key, 40), "unknown key", did_you_mean(key, GRANT_KEYS))
    grant = {"domains": [], "prefixes": [], "verified": [], "refused_domains": [], "refused_prefixes": [],
             "fields": {}}  # value -> its field in the registry
    zones = [analysis.settings["zone"]] + analysis.reserved_zones
    for i, value in enumerate(_listed(analysis, scope, raw, "domains")):
        _grant_domain(analysis, scope, grant, "domains[{0}]".format(i), value, zones)
    for i, value in enumerate(_listed(analysis, scope, raw, "prefixes")):
        _grant_prefix(analysis, scope, grant, "prefixes[{0}]".format(i), value)
    for i, value in enumerate(_listed(analysis, scope, raw, "verified")):
        domain = dns_name(value)
        if domain is None or domain not in grant["fields"]:
            analysis.error(scope, "verified[{0}]".format(i), "{0} is not one of the customer's granted domains".format(shown(value)),
                           "grant it under domains first, or remove it from verified")
        else:
            grant["verified"].append(domain)
    return grant


def _listed(analysis, scope, raw, field):
    value = raw.get(field)
    if value is None:
        return []
    if not is_list(value):
        analysis.error(scope, field, "is {0}, not a list".format(kind(value)), "write it as a list")
        return []
    return value


def _grant_domain(analysis, scope, grant, field, value, zones):
    domain = dns_name(value)
    if domain is None:
        analysis.error(scope, field, "{0} is not a valid DNS name".format(shown(value)), "grant a fully qualified domain name")
        return
    if domain in grant["fields"]:
        return
    grant["fields"][domain] = field
    refused = refusal(domain, zones)
    if refused is not None:
        analysis.error(scope, field, refused[0], "remove it; grant only a domain the customer registered")
        grant["refused_domains"].append(domain)
        return
    grant["domains"].append(domain)


def _grant_prefix(analysis, scope, grant, field, value):
    prefix = network(value)
    if prefix is None:
        analysis.error(scope, field, "{0} is not an IPv6 prefix (network address with /length)".format(shown(value)),
                       "write it as network/length with no host bits, e.g. 2001:db8:100:a::/64")
        return
    pools = list(analysis.customer_prefixes) + ([analysis.vpn_prefix] if analysis.vpn_prefix is not None else [])
    if covering_prefix(prefix, pools) is None:
        analysis.error(scope, field, "{0} is outside the provider's customer_prefixes and vpn_prefix ({1})".format(
            prefix, ", ".join(map(str, pools))), "grant a prefix inside one of them")
        return
    grant["fields"][prefix] = field
    grant["prefixes"].append(prefix)


def _shared_domains(analysis):
    """A domain belongs to one customer: equal or nested grants of two customers are refused."""
    owner = {}
    for name, grant in analysis.grants.items():
        for domain in list(grant["domains"]):
            first = owner.setdefault(domain, name)
            if first != name:
                _refuse_domain(analysis, name, grant, domain, "{0} is already granted to customer '{1}'".format(domain, first), first)
    for name, grant in analysis.grants.items():
        for domain in list(grant["domains"]):
            for parent in parents(domain):
                if owner.get(parent, name) != name:
                    _refuse_domain(analysis, name, grant, domain, "{0} is inside {1}, granted to customer '{2}'".format(
                        domain, parent, owner[parent]), owner[parent])
                    break
    analysis.domain_grants = {d: name for name, g in analysis.grants.items() for d in g["domains"]}


def _refuse_domain(analysis, name, grant, domain, problem, other):
    analysis.error(_scope(name), grant["fields"][domain], problem,
                   "grant a domain to one customer only: remove it here or from customer '{0}'".format(other))
    grant["domains"].remove(domain)
    grant["refused_domains"].append(domain)


def _overlapping_prefixes(analysis):
    # CIDR blocks nest or are disjoint: sorted, an overlap always shows
    # against the widest block still open (as _model_checks does for files).
    blocks = sorted((int(p.network_address), p.prefixlen, name, p) for name, g in analysis.grants.items() for p in g["prefixes"])
    open_block = None
    for first, _length, name, prefix in blocks:
        if open_block is not None and first <= open_block[0] and open_block[2] != name:
            grant = analysis.grants[name]
            analysis.error(_scope(name), grant["fields"][prefix], "{0} overlaps {1}, granted to customer '{2}'".format(
                prefix, open_block[1], open_block[2]), "grant every customer prefixes no other grant overlaps")
            grant["prefixes"].remove(prefix)
            grant["refused_prefixes"].append(prefix)
            continue
        if open_block is None or first > open_block[0]:
            open_block = (int(prefix.broadcast_address), prefix, name)
    analysis.prefix_grants = {p: name for name, g in analysis.grants.items() for p in g["prefixes"]}


def _verification(analysis, name, grant, required):
    if not required:
        return
    for domain in list(grant["domains"]):
        if domain not in grant["verified"]:
            analysis.error(_scope(name), grant["fields"][domain], "{0} has no proof of control and require_verified is true".format(domain),
                           "have the customer publish TXT _v6only-challenge.{0} and run {1} for it, which records it under verified".format(
                               domain, PROOF))
            grant["domains"].remove(domain)
            grant["refused_domains"].append(domain)


def _scope(name):
    return "{0}, customer '{1}'".format(SCOPE, name)


# The checks the stages that read a customer file ask; each reports and
# returns False when the claim lies outside the customer's grant.

def registered(analysis, customer):
    """False, reported, when a registry exists and has no entry for the customer."""
    if analysis.registry is None or customer in analysis.grants:
        return True
    analysis.error(scope_of(customer), "name", "customer '{0}' is not in the provider's registry".format(customer),
                   "ask the provider to add {0} to {1} with the domains and prefixes it may use".format(customer, REGISTRY_PATH))
    return False


def network_granted(analysis, customer, net, scope, field, what):
    grant = analysis.grants.get(customer)
    if grant is None:
        return True
    if covering_prefix(net, grant["refused_prefixes"]) is not None:
        return False
    ungranted = ungranted_network(customer, net, grant, analysis.prefix_grants, what)
    if ungranted is not None:
        analysis.error(scope, field, *ungranted)
        return False
    return True
