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
  - Customer n (1-based, in the order of O(customers)) gets mark n and the n-th slice, taken from the
    pool4 items in order, on every address of the item's prefix.
  - A slice holds the customer's C(quotas.nat64_ports) ports from the customer model, which the provider's
    C(v6only_gateway_registry) sets per customer; bare names take O(ports_per_customer).
  - Sources without a customer (mark 0) keep the rest, which must hold at least the largest slice.
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
    description: The model's customers (mappings with C(name) and C(quotas.nat64_ports)), or customer names.
    type: list
    required: true
  ports_per_customer:
    description: Ports (and ICMP ids) on each pool4 address for a customer without C(quotas.nat64_ports).
    type: int
"""

EXAMPLES = r"""
- name: Each customer of the model gets its nat64_ports quota, here alice 512 and bob 1024
  ansible.builtin.debug:
    msg: "{{ [{'prefix': '198.51.100.20/32', 'port_range': '61001-65535'}] | v6only.gateway.nat64_pool4_partition(v6only_gateway_model.customers) }}"
  # => [{'mark': 1, 'customer': 'alice', 'prefix': '198.51.100.20/32', 'port_range': '61001-61512'},
  #     {'mark': 2, 'customer': 'bob', 'prefix': '198.51.100.20/32', 'port_range': '61513-62536'},
  #     {'mark': 0, 'customer': None, 'prefix': '198.51.100.20/32', 'port_range': '62537-65535'}]

- name: Bare names, 8 ports each
  ansible.builtin.debug:
    msg: "{{ [{'prefix': '198.51.100.20/32', 'port_range': '61001-65535'}] | v6only.gateway.nat64_pool4_partition(['alice', 'bob'], 8) }}"
  # => [{'mark': 1, 'customer': 'alice', 'prefix': '198.51.100.20/32', 'port_range': '61001-61008'},
  #     {'mark': 2, 'customer': 'bob', 'prefix': '198.51.100.20/32', 'port_range': '61009-61016'},
  #     {'mark': 0, 'customer': None, 'prefix': '198.51.100.20/32', 'port_range': '61017-65535'}]
"""

RETURN = r"""
_value:
  description: Jool pool4 entries C({mark, customer, prefix, port_range}), customers first, then mark 0.
  type: list
  elements: dict
"""


def nat64_pool4_partition(pool4, customers, ports_per_customer=None):
    try:
        return pool4_partition(pool4, customers, ports_per_customer)
    except (ValueError, KeyError, TypeError) as error:
        raise AnsibleFilterError(f"nat64_pool4_partition: {error}") from error


class FilterModule:
    def filters(self):
        return {"nat64_pool4_partition": nat64_pool4_partition}
