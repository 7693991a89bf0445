# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nat64_extract: the IPv4 address a NAT64 IPv6 address stands for."""

from ansible_collections.v6only.gateway.plugins.module_utils import _addresses
from ansible_collections.v6only.gateway.plugins.plugin_utils._filter_errors import reporting

DOCUMENTATION = r"""
name: nat64_extract
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Extract the IPv4 address from a NAT64 IPv6 address (RFC 6052)
description:
  - Returns the dotted IPv4 address that O(_input) represents under O(prefix),
    following the address format of RFC 6052 section 2.2. The inverse of P(v6only.gateway.nat64_embed#filter).
  - Fails on a prefix length other than /32, /40, /48, /56, /64 or /96, on a prefix with host bits set,
    on an IPv4 address as input, on an address outside O(prefix), on a nonzero u octet (bits 64-71),
    and on a non-global IPv4 address under the well-known prefix C(64:ff9b::/96) (RFC 6052 section 3.1).
positional: prefix
options:
  _input:
    description: The IPv6 address to decode.
    type: str
    required: true
  prefix:
    description: The NAT64 prefix the address was built from.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Which IPv4 host a VM was talking to through NAT64
  ansible.builtin.debug:
    msg: "{{ '2001:db8:46::c000:221' | v6only.gateway.nat64_extract('2001:db8:46::/96') }}"
  # => '192.0.2.33'

- name: A /40 prefix puts the last IPv4 octet after the u octet
  ansible.builtin.debug:
    msg: "{{ '2001:db8:1c0:2:21::' | v6only.gateway.nat64_extract('2001:db8:100::/40') }}"
  # => '192.0.2.33'
"""

RETURN = r"""
_value:
  description: The IPv4 address in dotted form.
  type: str
"""


nat64_extract = reporting("nat64_extract", _addresses.nat64_extract)


class FilterModule:
    def filters(self):
        return {"nat64_extract": nat64_extract}
