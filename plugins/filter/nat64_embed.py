# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nat64_embed: the IPv6 address that stands for an IPv4 address behind NAT64."""

from ansible_collections.v6only.gateway.plugins.module_utils import _addresses
from ansible_collections.v6only.gateway.plugins.plugin_utils._filter_errors import reporting

DOCUMENTATION = r"""
name: nat64_embed
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Embed an IPv4 address in a NAT64 prefix (RFC 6052)
description:
  - Returns the compressed IPv6 address that represents O(_input) under O(prefix),
    following the address format of RFC 6052 section 2.2.
  - Bits 64-71 (the u octet) are always zero.
  - Fails on a prefix length other than /32, /40, /48, /56, /64 or /96, on a prefix with host bits set,
    on an IPv6 address as input, and on a non-global IPv4 address with the well-known prefix
    C(64:ff9b::/96) (RFC 6052 section 3.1). C(192.0.0.170) and C(192.0.0.171) (RFC 7050) are allowed with it.
positional: prefix
options:
  _input:
    description: The IPv4 address to embed.
    type: str
    required: true
  prefix:
    description: The NAT64 prefix, for example the gateway's C(v6only_gateway.nat64_prefix).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Where an IPv6-only VM reaches an IPv4 host through the gateway's NAT64
  ansible.builtin.debug:
    msg: "{{ '192.0.2.33' | v6only.gateway.nat64_embed('2001:db8:46::/96') }}"
  # => '2001:db8:46::c000:221'

- name: A /48 prefix splits the IPv4 address around the u octet
  ansible.builtin.debug:
    msg: "{{ '192.0.2.33' | v6only.gateway.nat64_embed('2001:db8:122::/48') }}"
  # => '2001:db8:122:c000:2:2100::'

- name: The well-known prefix takes global IPv4 addresses only
  ansible.builtin.debug:
    msg: "{{ '9.9.9.9' | v6only.gateway.nat64_embed('64:ff9b::/96') }}"
  # => '64:ff9b::909:909'
"""

RETURN = r"""
_value:
  description: The IPv6 address in compressed form.
  type: str
"""


nat64_embed = reporting("nat64_embed", _addresses.nat64_embed)


class FilterModule:
    def filters(self):
        return {"nat64_embed": nat64_embed}
