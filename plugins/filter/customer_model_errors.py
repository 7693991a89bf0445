# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugin: every validation error of the customer model, as a list."""

from __future__ import annotations

DOCUMENTATION = r"""
name: customer_model_errors
author: v6only.gateway developers (@v6only)
version_added: "0.1.0"
short_description: List every problem in the customers and gateway settings
description:
  - Runs the same validation as R(v6only.gateway.forward_table,ansible_collections.v6only.gateway.forward_table_filter)
    but returns the errors instead of failing, so a play or a test can inspect them.
  - Each error names the customer, the VM, the field, what is wrong and the fix.
  - An empty list means the model is valid.
positional: settings, leases
extends_documentation_fragment:
  - v6only.gateway.customer_model_input
"""

EXAMPLES = r"""
- name: Show what is wrong without failing
  ansible.builtin.debug:
    var: customers | v6only.gateway.customer_model_errors(v6only_gateway)
  # => ["customer 'bob', vm 'bob-web', field 'services[0].proto': unknown protocol 'gopher'.
  #      Fix: use one of: http, https, ...; anything else is `custom` with port and transport."]
"""

RETURN = r"""
_value:
  description: One message per problem, in inventory order; empty when the model is valid.
  type: list
  elements: str
"""

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import validate


def customer_model_errors(customers, settings=None, leases=None):
    return validate(customers, settings, leases)


class FilterModule:
    def filters(self):
        return {"customer_model_errors": customer_model_errors}
