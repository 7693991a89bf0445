# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter plugin: the customer model (forward table) from the inventory."""

from __future__ import annotations

DOCUMENTATION = r"""
name: forward_table
author: v6only.gateway developers (@v6only)
version_added: "0.1.0"
short_description: Validate the customers and build the customer model every role renders from
description:
  - Turns the customer list, the gateway settings and the current IPv4 leases
    into the model described in C(docs/customer-model.md), with rows sorted and
    deterministic, split per serving role, plus gateway DNS records, lend
    demands and VPN peers.
  - Validates first and fails with every error at once, one per line, under a
    header that gives the count.
  - Pure, so the same input always gives byte-identical output; addresses for
    C(lend) rows come only from O(leases), never invented.
positional: settings, leases, registry, registry_verified
extends_documentation_fragment:
  - v6only.gateway.customer_model_input
"""

EXAMPLES = r"""
- name: Build the model once for the play
  ansible.builtin.set_fact:
    v6only_gateway_model: "{{ customers | v6only.gateway.forward_table(v6only_gateway, leases, v6only_gateway_registry) }}"
  run_once: true

# customers: [{name: alice, vms: [{name: alice-web, ipv6: "2001:db8:100:a::10",
#               services: [{proto: https, names: [alice.example]}]}]}]
# v6only_gateway: {customer_prefixes: ["2001:db8:100::/48"], gateway_ipv4: 198.51.100.20, zone: ip4-gw.example.net}
# v6only_gateway_registry: {customers: {alice: {domains: [alice.example], prefixes: ["2001:db8:100:a::/64"]}}}
- name: One row
  ansible.builtin.debug:
    msg: "{{ (customers | v6only.gateway.forward_table(v6only_gateway, [], v6only_gateway_registry)).rows[0] }}"
  # => {"id": "alice-web/https/tcp/443", "customer": "alice", "vm": "alice-web", "proto": "https",
  #     "routing": "sni", "served_by": "haproxy_sni", "transport": "tcp",
  #     "listen_ipv4": "198.51.100.20", "listen_port": 443, "match": ["alice.example"],
  #     "backend_ipv6": "2001:db8:100:a::10", "backend_port": 443,
  #     "backend": "[2001:db8:100:a::10]:443", "proxy_protocol": false, "data_ports": null,
  #     "gateway_name": "https-alice-web-ip4-gw.ip4-gw.example.net"}

# With a broken inventory the task fails with, for example:
# => The customer model has 2 errors; no host was changed:
#    - customer 'bob', vm 'bob-web', field 'services[0].names[0]': alice.example is already claimed by customer 'alice'. Fix: ...
#    - customer 'bob', vm 'bob-web', field 'services[2].gateway_port': port 2201 is already the SSH port of vm 'alice-web' ...
"""

RETURN = r"""
_value:
  description:
    - The customer model with keys nat64_prefix, settings, customers, vms,
      rows, tables, dns_records, lend_demands, vpn_peers and summary
      (see C(docs/customer-model.md)).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import CustomerModelError, build_model


def forward_table(customers, settings=None, leases=None, registry=None, registry_verified=None):
    try:
        return build_model(customers, settings, leases, registry, registry_verified)
    except CustomerModelError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"forward_table": forward_table}
