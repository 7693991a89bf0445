# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugin: the customer model with its lend rows placed on new leases."""

from __future__ import annotations

DOCUMENTATION = r"""
name: model_with_leases
author: v6only.gateway developers (@v6only)
version_added: "0.2.0"
short_description: Place the model's lend rows on the leases ipv4_lending just wrote
description:
  - The model the C(customer_model) role built placed C(lend) rows on the leases
    it read before C(ipv4_lease) ran. This filter gives the same model as
    building it again with the new leases, without a second pass over the inventory.
  - Only each row's C(listen_ipv4), the per-role C(tables) and the C(dns_records) change.
options:
  _input:
    description: The customer model, C(v6only_gateway_model).
    type: dict
    required: true
  leases:
    description: The leases, each C({address, vm, proto, state}) (the C(leases) result of C(v6only.gateway.ipv4_lease)).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Place the lend rows on the new leases
  ansible.builtin.set_fact:
    v6only_gateway_model: "{{ v6only_gateway_model | v6only.gateway.model_with_leases(leases.leases) }}"
  run_once: true
  # => the rows of bob-mail/smtp now listen on 198.51.100.104, and
  #    dns_records holds {name: smtp-bob-mail-ip4-gw.ip4-gw.example.net, type: A, value: 198.51.100.104, ttl: 300}
"""

RETURN = r"""
_value:
  description: The customer model (see C(docs/customer-model.md)) with lend rows on the given leases.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._forward_table import with_leases


def model_with_leases(model, leases):
    try:
        return with_leases(model, leases)
    except (ValueError, KeyError, TypeError) as error:
        raise AnsibleFilterError(f"model_with_leases: {error}") from error


class FilterModule:
    def filters(self):
        return {"model_with_leases": model_with_leases}
