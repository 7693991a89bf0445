"""Names no one may claim, and what a registry grant covers.

Pure functions over normalised names and `ipaddress` networks, shared by the
registry stage (`_registry`, checking the grants themselves) and the stages
that read a customer file (checking each claim against its grant).

Public suffixes come from the `publicsuffixlist` package, pinned in
requirements.txt: its version is the date of the list it ships, so the list
is updated by bumping the pin (never fetched at run time), and every
controller and CI run agrees on it.
"""

from __future__ import annotations

import functools

# Special-use names (RFC 6761 localhost/invalid/test, RFC 6762 local,
# RFC 7686 onion, RFC 8375 home.arpa, ICANN's internal) and everything below
# them. `example` is not here: the lab and the docs use names under it.
RESERVED_NAMES = ("localhost", "arpa", "invalid", "test", "local", "onion", "internal", "home.arpa")
REGISTRY_PATH = "v6only_gateway_registry.customers"


@functools.lru_cache(maxsize=1)
def _suffix_list():
    # Imported late: the controller pays for parsing the list once per process.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=False)


def parents(name):
    """Every proper parent of a name, nearest first: a.b.c -> b.c, c."""
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels))]


def is_within(name, domain):
    return name == domain or name.endswith("." + domain)


def reserved_name(name):
    """The reserved name that `name` is or lies under, or None."""
    for candidate in [name] + parents(name):
        if candidate in RESERVED_NAMES:
            return candidate
    return None


def reserved_label(value):
    """The reserved one-label name (localhost, invalid, ...) `value` spells, or None.

    dns_name() wants two labels; these are refused as reserved, not as
    malformed, so the message says why no one may have them.
    """
    if isinstance(value, str):
        label = value.lower()[:-1] if value.endswith(".") else value.lower()
        if label in RESERVED_NAMES:
            return label
    return None


def is_public_suffix(name):
    return _suffix_list().is_public(name)


def refusal(name, provider_zones):
    """(problem, fix) when no customer may have `name`, else None.

    `provider_zones` are the provider's own zones: settings.zone first, then
    the registry's reserved_zones. A zone, any name in it and any parent of it
    are the provider's, so a customer can neither take its records nor the
    delegation above it.
    """
    reserved = reserved_name(name)
    if reserved is not None:
        where = "a special-use name" if reserved == name else "under the special-use name " + reserved
        return ("{0} is {1}; no one may claim it".format(name, where),
                "use a public domain the provider granted to this customer")
    if is_public_suffix(name):
        return ("{0} is a public suffix (publicsuffixlist); no one may claim it".format(name),
                "use a domain registered under it that the provider granted to this customer")
    for zone in provider_zones:
        if is_within(name, zone):
            return ("{0} is inside the provider zone {1}".format(name, zone), "use a name the customer owns")
        if is_within(zone, name):
            return ("{0} is a parent of the provider zone {1}".format(name, zone), "use a name the customer owns")
    return None


def granted_domain(name, domains):
    """The granted domain that covers `name` (itself or a parent), or None."""
    for domain in domains:
        if is_within(name, domain):
            return domain
    return None


def covering_prefix(network, prefixes):
    """The prefix among `prefixes` that holds all of `network`, or None."""
    for prefix in prefixes:
        if network.version == prefix.version and network.subnet_of(prefix):
            return prefix
    return None


def outside_grant(customer, name, grant, owners):
    """(problem, fix) when `name` lies outside the customer's granted domains.

    None when it lies inside, or when there is no grant to hold it to (no
    registry, or no entry: reported once, not per claim); () when a grant the
    registry check refused covers it (reported there, not again). `owners`
    maps every granted domain to its customer, to say whose name it is.
    """
    if grant is None:
        return None
    if granted_domain(name, grant["refused_domains"]) is not None:
        return ()
    domains = grant["domains"]
    if granted_domain(name, domains) is not None:
        return None
    under = "use a name under " + (" or ".join(domains) if domains else "a domain granted to this customer")
    for domain in [name] + parents(name):
        other = owners.get(domain, customer)
        if other != customer:
            where = "is granted to" if domain == name else "is inside {0}, granted to".format(domain)
            return ("{0} {1} customer '{2}'".format(name, where, other),
                    "{0}; only if customer '{1}' gives up {2} can the provider grant it to {3}".format(under, other, domain, customer))
    held = ", ".join(domains) if domains else "none"
    return ("{0} is not granted to this customer (granted domains: {1})".format(name, held),
            "{0}, or ask the provider to grant {1} to {2} in {3}.{2}.domains".format(under, name, customer, REGISTRY_PATH))


def ungranted_network(customer, network, grant, owners, what, use="use one inside {0}"):
    """(problem, fix) when `network` (an address as /128, or a prefix) is outside the customer's granted prefixes.

    `what` names it, with {0} where it goes ("address {0}"); `use` is the fix
    within the grant, with {0} for the granted prefixes. `owners` maps every
    granted prefix to its customer, so the problem can say whose prefix a
    hostile address points into.
    """
    prefixes = grant["prefixes"]
    if covering_prefix(network, prefixes) is not None:
        return None
    shown = str(network.network_address) if network.prefixlen == 128 else str(network)
    what = what.format(shown)
    held = ", ".join(map(str, prefixes))
    within = use.format(held)
    other = [(p, c) for p, c in owners.items() if c != customer and network.overlaps(p)]
    if other:
        prefix, owner = other[0]
        relation = "is" if network == prefix else ("is inside {0}," if network.subnet_of(prefix) else "overlaps {0},").format(prefix)
        own = "ask the provider to grant {0} a prefix of its own in {1}.{0}.prefixes".format(customer, REGISTRY_PATH)
        return "{0} {1} granted to customer '{2}'".format(what, relation, owner), within + ", or " + own if prefixes else own
    ask = "ask the provider to grant a prefix holding {0} in {1}.{2}.prefixes".format(shown, REGISTRY_PATH, customer)
    if prefixes:
        return "{0} is not inside a prefix granted to this customer ({1})".format(what, held), within + ", or " + ask
    return "{0} is not inside a granted prefix: no prefix is granted to this customer".format(what), ask
