# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nat64_source_marks: which IPv6 sources carry which customer's packet mark."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._nat64_policy import source_marks

DOCUMENTATION = r"""
name: nat64_source_marks
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: The source-prefix-to-mark map of the NAT64 policy, from the customer model
description:
  - Each customer's sources are its prefix (when it has one), its VMs' addresses and its VMs' VPN peer
    prefixes, collapsed; they carry the customer's mark (its 1-based position in the model's customers),
    the same mark C(nat64_pool4_partition) gives its pool4 slice.
  - Fails when two customers' sources overlap, since the mark would be ambiguous.
options:
  _input:
    description: The customer model (C(v6only_gateway_model)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The nftables map from source to mark
  ansible.builtin.debug:
    msg: "{{ v6only_gateway_model | v6only.gateway.nat64_source_marks }}"
  # => [{'source': '2001:db8:100:a::/64', 'mark': 1, 'customer': 'alice'},
  #     {'source': '2001:db8:200:1::/64', 'mark': 1, 'customer': 'alice'}]
"""

RETURN = r"""
_value:
  description: C({source, mark, customer}) sorted by source.
  type: list
  elements: dict
"""


def nat64_source_marks(model):
    try:
        return source_marks(model)
    except (ValueError, KeyError) as error:
        raise AnsibleFilterError(f"nat64_source_marks: {error}") from error


class FilterModule:
    def filters(self):
        return {"nat64_source_marks": nat64_source_marks}
