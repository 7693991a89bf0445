# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nat64_deny_prefixes: IPv4 destinations to refuse, as the IPv6 prefixes NAT64 clients address."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._nat64_policy import deny_prefixes

DOCUMENTATION = r"""
name: nat64_deny_prefixes
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Embed IPv4 prefixes in a NAT64 prefix (RFC 6052), as IPv6 prefixes
description:
  - Returns, collapsed, the IPv6 prefixes under O(pool6) whose RFC 6052 addresses stand for the IPv4 prefixes in O(_input).
  - An IPv4 prefix reaching past bit 64 of the IPv6 address skips the u octet (bits 64-71), which stays zero.
  - Non-global ranges are allowed with the well-known prefix, because the result names destinations to refuse.
positional: pool6
options:
  _input:
    description: IPv4 prefixes in CIDR notation.
    type: list
    elements: str
    required: true
  pool6:
    type: str
    required: true
    description:
      - The NAT64 prefix, of a length RFC 6052 allows (32, 40, 48, 56, 64 or 96).
      - The same prefix the translator and DNS64 use, C(v6only_gateway_model.nat64_prefix).
"""

EXAMPLES = r"""
# What an IPv6-only client would address to reach these IPv4 ranges through NAT64.
- name: Private ranges as NAT64 destinations
  ansible.builtin.debug:
    msg: "{{ ['10.0.0.0/8', '192.168.0.0/16'] | v6only.gateway.nat64_deny_prefixes('2001:db8:46::/96') }}"
  # => ['2001:db8:46::a00:0/104', '2001:db8:46::c0a8:0/112']

- name: Under a /40 the u octet splits a /28
  ansible.builtin.debug:
    msg: "{{ ['192.0.2.32/28'] | v6only.gateway.nat64_deny_prefixes('2001:db8:100::/40') }}"
  # => ['2001:db8:1c0:2:20::/76']
"""

RETURN = r"""
_value:
  description: IPv6 prefixes in CIDR notation, collapsed and sorted.
  type: list
  elements: str
"""


def nat64_deny_prefixes(ipv4_prefixes, pool6):
    try:
        return deny_prefixes(ipv4_prefixes, pool6)
    except ValueError as error:
        raise AnsibleFilterError(f"nat64_deny_prefixes: {error}") from error


class FilterModule:
    def filters(self):
        return {"nat64_deny_prefixes": nat64_deny_prefixes}
