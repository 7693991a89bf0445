# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter lease_forwards: the listeners the IPv4 lending gateway runs, from leases and forward-table rows."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import LeaseError
from ansible_collections.v6only.gateway.plugins.module_utils._lease_report import forwards as _forwards

DOCUMENTATION = r"""
name: lease_forwards
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Listeners for lent IPv4 addresses
description:
  - Joins the leases of the C(ipv4_lease) module with the rows of the customer model, giving one listener per lease
    and port with the backend it forwards to.
  - A draining lease keeps forwarding while the model still has a row for its (vm, proto), whatever its routing now is,
    so clients with a cached DNS answer still arrive. A lease whose service or VM is gone has no listener.
options:
  _input:
    description: The leases (the C(leases) result of C(v6only.gateway.ipv4_lease)).
    type: list
    elements: dict
    required: true
  rows:
    description: The forward-table rows, C(v6only_gateway_model.rows).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Listeners for the lending gateway
  ansible.builtin.set_fact:
    listeners: "{{ leases.leases | v6only.gateway.lease_forwards(v6only_gateway_model.rows) }}"
  # => [{name: bob-mail-smtp-tcp-25, address: 198.51.100.104, transport: tcp, port: 25,
  #      backend_ipv6: "2001:db8:109::b1", backend_port: 25, proxy_protocol: true, data_ports: null,
  #      state: active, customer: bob, vm: bob-mail, proto: smtp}]
"""

RETURN = r"""
_value:
  description: Listeners sorted by address, each with name, address, transport, port, backend_ipv6, backend_port,
    proxy_protocol, data_ports, state, customer, vm and proto.
  type: list
  elements: dict
"""


def lease_forwards(leases, rows):
    try:
        return _forwards(leases or [], rows or [])
    except (LeaseError, KeyError, TypeError) as error:
        raise AnsibleFilterError(f"lease_forwards: {error!r}") from error


class FilterModule:
    def filters(self):
        return {"lease_forwards": lease_forwards}
