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

from ansible_collections.v6only.gateway.plugins.module_utils._grants import (
    REGISTRY_PATH,
    covering_prefix,
    is_within,
    parents,
    refusal,
    reserved_label,
    ungranted_network,
)
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import did_you_mean, plain, shown
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import LABEL, dns_name, is_list, kind, network, scope_of, unknown_keys

REGISTRY = "v6only_gateway_registry"
SCOPE = "registry '{0}'".format(REGISTRY)
REGISTRY_KEYS = ("customers", "quotas", "reserved_zones", "require_verified")
GRANT_KEYS = ("domains", "prefixes", "verified", "quotas")
PROOF = "scripts/domain-proof"


def read_registry(analysis, registry, registry_verified=None):
    """Set analysis.registry (the raw mapping or None) and analysis.grants {customer: grant}.

    `registry_verified` maps customers to the domains scripts/domain-proof saw proven
    (group_vars/all/registry_verified.yml); they add to each grant's `verified`.
    """
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
            _add_recorded(grant, registry_verified, name)
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


def _add_recorded(grant, registry_verified, name):
    """Add the recorded proofs of the customer's granted domains to its `verified`.

    A proof is recorded before the grant that require_verified needs, and may
    outlive a revoked grant: a recorded domain not granted now counts for nothing.
    """
    recorded = registry_verified.get(name) if isinstance(registry_verified, Mapping) else None
    for value in recorded if is_list(recorded) else []:
        domain = dns_name(value)
        if domain in grant["domains"] and domain not in grant["verified"]:
            grant["verified"].append(domain)


def _listed(analysis, scope, raw, field):
    value = raw.get(field)
    if value is None:
        return []
    if not is_list(value):
        analysis.error(scope, field, "is {0}, not a list".format(kind(value)), "write it as a list")
        return []
    return value


def _grant_domain(analysis, scope, grant, field, value, zones):
    domain = dns_name(value) or reserved_label(value)
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
    if prefix not in grant["fields"]:
        grant["fields"][prefix] = field
        grant["prefixes"].append(prefix)


def _shared_domains(analysis):
    """A domain belongs to one customer: of two equal or nested grants, the first customer in name order keeps it."""
    owners = {}
    for name, grant in analysis.grants.items():
        for domain in grant["domains"]:
            owners.setdefault(domain, []).append(name)
    clashes = {}  # (customer, domain) refused -> (the other's domain, the other customer)
    for name, grant in analysis.grants.items():
        for domain in grant["domains"]:
            for other_domain in [domain] + parents(domain):
                for other in owners.get(other_domain, ()):
                    if other != name:
                        _clash(clashes, (name, domain), (other, other_domain))
    _refuse_clashes(analysis, "domains", clashes, _domain_clash)
    analysis.domain_grants = {d: name for name, g in analysis.grants.items() for d in g["domains"]}


def _overlapping_prefixes(analysis):
    """Granted prefixes never overlap: of two, the first customer in name order keeps its own."""
    owners = {}  # (first address, length) -> [(customer, prefix)]
    for name, grant in analysis.grants.items():
        for prefix in grant["prefixes"]:
            owners.setdefault((int(prefix.network_address), prefix.prefixlen), []).append((name, prefix))
    # Only the lengths in use can hold a prefix, so each check is a few lookups.
    lengths = sorted({length for _first, length in owners})
    clashes = {}
    for (first, length), entries in owners.items():
        for name, prefix in entries:
            for wider in lengths:
                if wider > length:
                    break
                for other, other_prefix in owners.get((first >> (128 - wider) << (128 - wider), wider), ()):
                    if other != name:
                        _clash(clashes, (name, prefix), (other, other_prefix))
    _refuse_clashes(analysis, "prefixes", clashes, lambda prefix, other_prefix, other: (
        "{0} overlaps {1}, granted to customer '{2}'".format(prefix, other_prefix, other), "grant every customer prefixes no other grant overlaps"))
    analysis.prefix_grants = {p: name for name, g in analysis.grants.items() for p in g["prefixes"]}


def _clash(clashes, one, two):
    """Record the clash against whichever grant belongs to the customer later in name order (its first clash only)."""
    loser, keeper = (one, two) if one[0] > two[0] else (two, one)
    clashes.setdefault(loser, (keeper[1], keeper[0]))


def _domain_clash(domain, other_domain, other):
    where = "is already granted to" if other_domain == domain else (
        "is inside {0}, granted to" if is_within(domain, other_domain) else "holds {0}, granted to").format(other_domain)
    return ("{0} {1} customer '{2}'".format(domain, where, other),
            "grant a domain to one customer only: remove it here or from customer '{0}'".format(other))


def _refuse_clashes(analysis, kind_of, clashes, describe):
    """Refuse each clashing grant, in registry order; `describe(value, other value, other customer)` gives (problem, fix)."""
    for name, grant in analysis.grants.items():
        for value in list(grant[kind_of]):
            if (name, value) in clashes:
                _refuse(analysis, name, kind_of, value, *describe(value, *clashes[(name, value)]))


def _refuse(analysis, name, kind_of, value, problem, fix):
    grant = analysis.grants[name]
    analysis.error(_scope(name), grant["fields"][value], problem, fix)
    grant[kind_of].remove(value)
    grant["refused_" + kind_of].append(value)


def _verification(analysis, name, grant, required):
    if not required:
        return
    for domain in list(grant["domains"]):
        if domain not in grant["verified"]:
            _refuse(analysis, name, "domains", domain, "{0} has no proof of control and require_verified is true".format(domain),
                    "have the customer publish TXT _v6only-challenge.{0}, then run {1} check --inventory inventories/<env> "
                    "--customer {2} --domain {0} --record".format(domain, PROOF, name))


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


def network_granted(analysis, customer, net, scope, field, what, use="use one inside {0}"):
    """False, reported, when `net` lies outside the customer's granted prefixes (see _grants.ungranted_network)."""
    grant = analysis.grants.get(customer)
    if grant is None:
        return True
    if covering_prefix(net, grant["refused_prefixes"]) is not None:
        return False
    ungranted = ungranted_network(customer, net, grant, analysis.prefix_grants, what, use)
    if ungranted is not None:
        analysis.error(scope, field, *ungranted)
        return False
    return True
