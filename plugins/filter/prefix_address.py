# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter prefix_address: the n-th address inside a prefix."""

from ansible_collections.v6only.gateway.plugins.module_utils import _addresses
from ansible_collections.v6only.gateway.plugins.plugin_utils._filter_errors import reporting

DOCUMENTATION = r"""
name: prefix_address
author: v6only.gateway developers (@v6only)
version_added: 0.2.0
short_description: The n-th address inside a prefix
description:
  - Counts from the prefix's network address (index 0), so index 1 is the usual C(::1) of a tunnel or LAN.
  - Fails when the index does not fit in the prefix.
positional: index, with_length
options:
  _input:
    description: An IPv4 or IPv6 prefix with no host bits set.
    type: str
    required: true
  index:
    description: Which address, from 0.
    type: int
    required: true
  with_length:
    description: Append the prefix length, as an interface address is written.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The WireGuard server's tunnel address
  ansible.builtin.debug:
    msg: "{{ '2001:db8:200::/64' | v6only.gateway.prefix_address(1) }}"
  # => '2001:db8:200::1'

- name: A peer's interface address
  ansible.builtin.debug:
    msg: "{{ '2001:db8:200:1::/64' | v6only.gateway.prefix_address(1, true) }}"
  # => '2001:db8:200:1::1/64'
"""

RETURN = r"""
_value:
  description: The address, compressed, with C(/length) when O(with_length) is true.
  type: str
"""


prefix_address = reporting("prefix_address", _addresses.prefix_address)


class FilterModule:
    def filters(self):
        return {"prefix_address": prefix_address}
