# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugin: the customer model and its errors, from one pass."""

from __future__ import annotations

DOCUMENTATION = r"""
name: customer_model
author: v6only.gateway developers (@v6only)
version_added: "0.2.0"
short_description: Validate the customers and build the model in one pass
description:
  - Runs the stages in C(plugins/module_utils/_customer_model.py) once and
    returns every error together with the model, so a play analyses the
    inventory once and decides itself whether to fail.
  - The model is the one R(v6only.gateway.forward_table,ansible_collections.v6only.gateway.forward_table_filter)
    returns; it is null whenever there is an error.
positional: settings, leases, registry, registry_verified
extends_documentation_fragment:
  - v6only.gateway.customer_model_input
"""

EXAMPLES = r"""
- name: Analyse the inventory once for the play
  ansible.builtin.set_fact:
    analysis: "{{ customers | v6only.gateway.customer_model(v6only_gateway, leases, v6only_gateway_registry) }}"
  run_once: true
  # => {"errors": [], "message": "", "model": {"nat64_prefix": "64:ff9b::/96", "rows": [...], ...}}
  # With a broken inventory:
  # => {"errors": ["customer 'bob', vm 'bob-web', field 'services[0].proto': unknown protocol 'gopher'. Fix: ..."],
  #     "message": "The customer model has 1 error; no host was changed:\n- customer 'bob', ...",
  #     "model": null}
"""

RETURN = r"""
_value:
  description: The errors, the message a failing play prints, and the model.
  type: dict
  contains:
    errors:
      description: One message per problem, in inventory order; empty when the model is valid.
      type: list
      elements: str
    message:
      description: A header with the count, then one error per line; empty when there is none.
      type: str
    model:
      description: The customer model (see C(docs/customer-model.md)), or null when there are errors.
      type: dict
"""

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import analyse, format_errors


def customer_model(customers, settings=None, leases=None, registry=None, registry_verified=None):
    result = analyse(customers, settings, leases, registry, registry_verified)
    result["message"] = format_errors(result["errors"]) if result["errors"] else ""
    return result


class FilterModule:
    def filters(self):
        return {"customer_model": customer_model}
