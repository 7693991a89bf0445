# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nat64_pool4_partition: one pool4 port slice per customer (RFC 6888 REQ-4)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._nat64_policy import pool4_partition

DOCUMENTATION = r"""
name: nat64_pool4_partition
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Split pool4 into per-customer port slices selected by packet mark
description:
  - Customer n (1-based, in the order of O(customers)) gets mark n and the n-th slice of
    O(ports_per_customer) ports, taken from the pool4 items in order, on every address of the item's prefix.
  - Sources without a customer (mark 0) keep the rest, which must hold at least one slice.
  - Appending a customer keeps every earlier customer's slice.
  - Fails, saying what would fit, when pool4 is too small.
positional: customers, ports_per_customer
options:
  _input:
    description: pool4 items, each C({prefix, port_range}).
    type: list
    elements: dict
    required: true
  customers:
    description: Customer names, or the model's customers (mappings with C(name)).
    type: list
    required: true
  ports_per_customer:
    description: Ports (and ICMP ids) per customer on each pool4 address.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: Two customers, 512 ports each
  ansible.builtin.debug:
    msg: "{{ [{'prefix': '198.51.100.20/32', 'port_range': '61001-65535'}] | v6only.gateway.nat64_pool4_partition(['alice', 'bob'], 512) }}"
  # => [{'mark': 1, 'customer': 'alice', 'prefix': '198.51.100.20/32', 'port_range': '61001-61512'},
  #     {'mark': 2, 'customer': 'bob', 'prefix': '198.51.100.20/32', 'port_range': '61513-62024'},
  #     {'mark': 0, 'customer': None, 'prefix': '198.51.100.20/32', 'port_range': '62025-65535'}]
"""

RETURN = r"""
_value:
  description: Jool pool4 entries C({mark, customer, prefix, port_range}), customers first, then mark 0.
  type: list
  elements: dict
"""


def nat64_pool4_partition(pool4, customers, ports_per_customer):
    try:
        return pool4_partition(pool4, customers, ports_per_customer)
    except (ValueError, KeyError, TypeError) as error:
        raise AnsibleFilterError(f"nat64_pool4_partition: {error}") from error


class FilterModule:
    def filters(self):
        return {"nat64_pool4_partition": nat64_pool4_partition}
