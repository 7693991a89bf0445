# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter run_summary: what changed for each customer since the last applied run."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._run_summary import summary

DOCUMENTATION = r"""
name: run_summary
author: v6only.gateway developers (@v6only)
version_added: 0.2.0
short_description: Per customer, what a run changed and the DNS records to set
description:
  - Compares the state the last applied run recorded with this run's customer model, per customer - the names
    routed by Host or SNI, the zones, the mail domains, the SSH gateway ports and the IPv4 leases.
  - Gives each changed customer its changes (C(+) added, C(-) removed, C(~) changed) and the DNS records it must
    now set for what was added - C(A) of a name to the gateway, C(NS) of a zone (at the registrar), C(MX) and SPF
    C(TXT) of a mail domain, a C(CNAME) of its own name to a lent service's gateway name.
  - C(state) is the new state to record once the run has applied; it holds no secret.
options:
  _input:
    description: The state recorded by the last applied run (C(state) of an earlier result), or null before the first.
    type: dict
    required: true
  model:
    description: The customer model, C(v6only_gateway_model).
    type: dict
    required: true
  leases:
    description: The leases of C(v6only.gateway.ipv4_lease), for the draining ones; the active ones are in the model.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: What changed since the last applied run
  ansible.builtin.set_fact:
    summary: "{{ recorded | v6only.gateway.run_summary(v6only_gateway_model, leases.leases) }}"
  # => {first_run: false, unchanged: [bob], state: {version: 1, customers: {...}},
  #     customers: [{customer: alice, status: changed,
  #                  changes: [{change: "+", kind: name, key: www.alice.example, detail: "http, https"}],
  #                  dns: [{name: www.alice.example., type: A, value: 198.51.100.20, where: zone}]}]}
"""

RETURN = r"""
_value:
  description: first_run, customers (changed ones, each with customer, status new/changed/removed, changes and dns),
    unchanged (customer names) and state (to record once applied).
  type: dict
"""


def run_summary(previous, model, leases=None):
    try:
        return summary(previous, model, leases or [])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise AnsibleFilterError(f"run_summary: {error}") from error


class FilterModule:
    def filters(self):
        return {"run_summary": run_summary}
