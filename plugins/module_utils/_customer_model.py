"""The customer model: one pass from customer files to the forward table.

Read the stages in this order; each is one file that fits on a screen:

1. `_model_settings`   the gateway settings, defaults filled in
   (`_lease_store.active_leases`: which lend rows already have an address;
   `_registry`: what the provider granted each customer)
2. `_model_customers`  customers and their VMs, which read
3. `_model_services`   each VM's services, as pending rows and lend demands
4. `_model_peers`      each VM's WireGuard peers
5. `_model_checks`     checks that need every customer
   (`_model_quotas`: what each customer takes, against the registry's quotas)
6. `_forward_table`    rows placed, sorted and split per serving role

`analyse()` runs them once and returns {errors, model}: every problem in the
inventory at once, and the model only when there is none. `_model_values`
holds the parsers and the pass's state. The output shape is the contract in
docs/customer-model.md.
"""

from __future__ import annotations

import contextlib
import gc

from ansible_collections.v6only.gateway.plugins.module_utils._forward_table import forward_table
from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import active_leases
from ansible_collections.v6only.gateway.plugins.module_utils._model_checks import cross_checks
from ansible_collections.v6only.gateway.plugins.module_utils._model_customers import read_customers
from ansible_collections.v6only.gateway.plugins.module_utils._model_quotas import check_quotas
from ansible_collections.v6only.gateway.plugins.module_utils._model_settings import read_settings
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import Analysis
from ansible_collections.v6only.gateway.plugins.module_utils._registry import read_registry


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


def analyse(customers, settings=None, leases=None, registry=None, registry_verified=None):
    """{errors, model}: every problem, in inventory order, and the model (None unless errors is empty)."""
    with _cyclic_gc_paused():
        analysis = Analysis()
        read_settings(analysis, settings)
        analysis.leases = active_leases(analysis, leases)
        read_registry(analysis, registry, registry_verified)
        read_customers(analysis, customers)
        cross_checks(analysis)
        check_quotas(analysis)
        model = None if analysis.errors else forward_table(analysis)
        return {"errors": analysis.errors, "model": model}


def validate(customers, settings=None, leases=None, registry=None, registry_verified=None):
    """Every problem in customers, settings, leases and registry, as a list of messages."""
    return analyse(customers, settings, leases, registry, registry_verified)["errors"]


def build_model(customers, settings=None, leases=None, registry=None, registry_verified=None):
    """The customer model (docs/customer-model.md); raises CustomerModelError."""
    result = analyse(customers, settings, leases, registry, registry_verified)
    if result["errors"]:
        raise CustomerModelError(result["errors"])
    return result["model"]


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
