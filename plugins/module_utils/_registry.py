"""Stage 1b of the customer model: the provider's registry of grants.

The registry (`v6only_gateway_registry`, group_vars, never a customer file)
says what each customer may use: domains (and every name below them) and
IPv6 prefixes. Customer files are the attack surface; the registry is the
trust boundary, so a later stage asks `_registry` before it accepts a claim.
`quotas` (top level and per customer) are read by `_model_quotas`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._model_values import is_list, kind, unknown_keys

REGISTRY = "v6only_gateway_registry"
SCOPE = "registry '{0}'".format(REGISTRY)
REGISTRY_KEYS = ("customers", "quotas", "reserved_zones", "require_verified")
GRANT_KEYS = ("domains", "prefixes", "verified", "quotas")


def read_registry(analysis, registry):
    """Set analysis.registry (the raw mapping) and analysis.grants {customer: grant}."""
    analysis.registry = registry if isinstance(registry, Mapping) else None
    analysis.grants = {}
    if registry is None:
        return
    if not isinstance(registry, Mapping):
        analysis.error(SCOPE, REGISTRY, "is {0}, not a mapping".format(kind(registry)),
                       "set it in group_vars to a mapping with `customers:`, see docs/customer-model.md")
        return
    for key in unknown_keys(registry, REGISTRY_KEYS):
        analysis.error(SCOPE, str(key), "unknown key", "remove it or use one of: " + ", ".join(REGISTRY_KEYS))
    customers = registry.get("customers") or {}
    if not isinstance(customers, Mapping):
        analysis.error(SCOPE, "customers", "is {0}, not a mapping".format(kind(customers)),
                       "map each customer name to its grant: {domains: [...], prefixes: [...]}")
        return
    for name in sorted(customers, key=str):
        analysis.grants[str(name)] = _grant(analysis, str(name), customers[name])


def _grant(analysis, name, raw):
    scope = "{0}, customer '{1}'".format(SCOPE, name)
    grant = {"domains": [], "prefixes": [], "verified": []}
    if raw is None:
        return grant
    if not isinstance(raw, Mapping):
        analysis.error(scope, "(entry)", "is {0}, not a mapping".format(kind(raw)), "give the customer {domains: [...], prefixes: [...]}")
        return grant
    for key in unknown_keys(raw, GRANT_KEYS):
        analysis.error(scope, str(key), "unknown key", "remove it or use one of: " + ", ".join(GRANT_KEYS))
    for field in ("domains", "prefixes", "verified"):
        value = raw.get(field)
        if value is not None and not is_list(value):
            analysis.error(scope, field, "is {0}, not a list".format(kind(value)), "write it as a list")
            continue
        grant[field] = list(value or [])
    return grant
