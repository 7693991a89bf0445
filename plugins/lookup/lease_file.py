# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup plugin: the leases of the IPv4 lease state file, read on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
name: lease_file
author: v6only.gateway developers (@v6only)
version_added: "0.3.0"
short_description: The leases of an IPv4 lease state file
description:
  - Reads the lease state file that M(v6only.gateway.ipv4_lease) writes and returns its leases, checked as the
    module checks them. A missing file has no leases.
  - A file that is not valid YAML, not a mapping with C(leases), or holds a lease that breaks the schema fails
    the lookup with a message naming the file, the fault and the fix.
  - Use C(query); it reads on the controller and runs no module, which every play of site.yml would pay for.
options:
  _terms:
    description: The state file's path.
    required: true
    type: list
    elements: path
"""

EXAMPLES = r"""
- name: The leases of the lab
  ansible.builtin.debug:
    msg: "{{ query('v6only.gateway.lease_file', inventory_dir ~ '/ipv4_leases.yml') }}"
"""

RETURN = r"""
_raw:
  description: The leases, each C({address, customer, vm, proto, ports, state, since}) and C(expires) when draining.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.v6only.gateway.plugins.module_utils._lease_file import read_state
from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import LeaseError


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        leases = []
        for term in terms:
            try:
                leases.extend(read_state(term)[1])
            except LeaseError as error:
                raise AnsibleLookupError(str(error)) from None
        return leases
