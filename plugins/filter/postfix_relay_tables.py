# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter postfix_relay_tables: Postfix relay domains, transports and smarthost clients from the model."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._postfix_relay import relay_tables

DOCUMENTATION = r"""
name: postfix_relay_tables
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Postfix relay and smarthost tables from forward-table rows
description:
  - Takes the rows of C(v6only_gateway_model.tables.postfix_relay) (routing C(relay)) and
    returns what the postfix_relay role renders; the role itself holds no routing logic.
  - Inbound, each customer domain is a relay domain routed to every VM of that customer that
    declared smtp. Outbound, each VM of a customer with mail domains maps to a restriction class
    allowing only that customer's domains as envelope senders, and carries the same domains
    (C(senders)) for the smarthost's header From check.
  - Fails when a row is not a relay row, a domain would go to two customers, a static transport
    names a relayed domain, or two customer names give the same class name.
positional: customers, vms, static_transports, transport
options:
  _input:
    description: Forward-table rows served by postfix_relay.
    type: list
    elements: dict
    required: true
  customers:
    description: C(v6only_gateway_model.customers) (name and domains).
    type: list
    elements: dict
    required: true
  vms:
    description: C(v6only_gateway_model.vms) (customer, name, ipv6).
    type: list
    elements: dict
    required: true
  static_transports:
    description: Extra transport entries, domain to C(transport:nexthop), for domains not relayed to VMs.
    type: dict
    default: {}
  transport:
    description: The master.cf transport that delivers to VMs.
    type: str
    default: relay
"""

EXAMPLES = r"""
- name: Tables for the gateway
  ansible.builtin.set_fact:
    tables: >-
      {{ v6only_gateway_model.tables.postfix_relay
         | v6only.gateway.postfix_relay_tables(v6only_gateway_model.customers, v6only_gateway_model.vms) }}
  # tables.relay_domains => ['alice.example']
  # tables.transport => [{domain: alice.example, nexthop: 'relay:[2001:db8:100:a::10]:25'}]
  # tables.clients => [{network: 2001:db8:100:a::10/128, address: '2001:db8:100:a::10',
  #                     class: postfix_relay_customer_alice, vm: alice-web, customer: alice,
  #                     senders: ['alice.example']}]
  # tables.classes => [{'name': 'postfix_relay_customer_alice', 'customer': 'alice', 'senders': ['alice.example']}]
  # tables.dns => [{'customer': 'alice', 'domains': ['alice.example'], 'mx': ['smtp-alice-web-ip4-gw.ip4-gw.example.net']}]
"""

RETURN = r"""
_value:
  description: Keys C(relay_domains), C(transport), C(clients), C(classes) and C(dns).
  type: dict
"""


def postfix_relay_tables(rows, customers, vms, static_transports=None, transport="relay"):
    try:
        return relay_tables(rows, customers, vms, static_transports or {}, transport)
    except (ValueError, KeyError, TypeError) as error:
        raise AnsibleFilterError(f"postfix_relay_tables: {error}") from error


class FilterModule:
    def filters(self):
        return {"postfix_relay_tables": postfix_relay_tables}
