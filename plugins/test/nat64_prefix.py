# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test plugin nat64_prefix: is this a prefix RFC 6052 allows for NAT64?"""

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import is_nat64_prefix

DOCUMENTATION = r"""
name: nat64_prefix
author: v6only.gateway developers (@v6only)
version_added: 0.2.0
short_description: Whether a value is an RFC 6052 NAT64 prefix
description:
  - True for an IPv6 prefix with no host bits whose length is one RFC 6052 allows
    (C(_addresses.NAT64_PREFIX_LENGTHS), the only place those lengths are written)
    and whose bits 64-71 are zero; false for anything else.
  - The same check the C(nat64_embed) and C(nat64_extract) filters apply before they compute.
options:
  _input:
    description: The prefix, such as C(64:ff9b::/96).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse a pool6 RFC 6052 does not allow
  ansible.builtin.assert:
    that: jool_nat64_pool6 is v6only.gateway.nat64_prefix
# '64:ff9b::/96' is v6only.gateway.nat64_prefix => true
# '2001:db8:46::/80' is v6only.gateway.nat64_prefix => false
"""

RETURN = r"""
_value:
  description: Whether the value is a usable NAT64 prefix.
  type: bool
"""


class TestModule:
    def tests(self):
        return {"nat64_prefix": is_nat64_prefix}
