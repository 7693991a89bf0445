# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter subnet_for: the n-th subnet of a given size inside a prefix."""

from ansible_collections.v6only.gateway.plugins.module_utils import _addresses
from ansible_collections.v6only.gateway.plugins.plugin_utils._filter_errors import reporting

DOCUMENTATION = r"""
name: subnet_for
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: The n-th subnet of a prefix
description:
  - Returns the O(index)-th subnet (counting from 0) of length O(new_prefix) inside O(_input).
  - Used to give VPN peer n the n-th /64 of the VPN prefix; because the index is declared,
    adding or removing other peers never renumbers anyone.
  - Fails when O(_input) has host bits set, when O(new_prefix) is not longer than O(_input)'s length,
    or when O(index) is negative or past the last subnet.
positional: index, new_prefix
options:
  _input:
    description: The IPv4 or IPv6 prefix to carve.
    type: str
    required: true
  index:
    description: Which subnet, counting from 0.
    type: int
    required: true
  new_prefix:
    description: Length of the subnets.
    type: int
    default: 64
"""

EXAMPLES = r"""
- name: The /64 of VPN peer 1
  ansible.builtin.debug:
    msg: "{{ '2001:db8:200::/48' | v6only.gateway.subnet_for(1) }}"
  # => '2001:db8:200:1::/64'

- name: A /56 for a customer
  ansible.builtin.debug:
    msg: "{{ '2001:db8:100::/48' | v6only.gateway.subnet_for(3, 56) }}"
  # => '2001:db8:100:300::/56'
"""

RETURN = r"""
_value:
  description: The subnet in address/length form.
  type: str
"""


subnet_for = reporting("subnet_for", _addresses.subnet_for)


class FilterModule:
    def filters(self):
        return {"subnet_for": subnet_for}
