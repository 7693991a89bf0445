# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter dnsdist_routes: dnsdist listen sockets, pools and zone-suffix rules from the forward table."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._dnsdist_routes import dnsdist_routes as _dnsdist_routes

DOCUMENTATION = r"""
name: dnsdist_routes
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: dnsdist pools and zone-suffix rules for authoritative DNS
description:
  - Turns the forward table's C(zone) rows into one pool per VM (its nsd as the only backend, health-checked
    with the SOA of its first zone) and suffix rules ordered so the deepest zone wins.
  - Listen sockets are every row's C(listen_ipv4) and each of O(extra_addresses) on the rows' ports.
positional: extra_addresses
options:
  _input:
    description: The model's C(tables.dnsdist_authoritative) rows.
    type: list
    elements: dict
    required: true
  extra_addresses:
    description: Further gateway addresses to listen on, e.g. its IPv6 address.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Routes of one VM
  ansible.builtin.debug:
    msg: "{{ [{'id': 'a-ns/dns/udp+tcp/53', 'vm': 'a-ns', 'match': ['a.example'], 'backend': '[2001:db8::53]:53',
               'listen_ipv4': '198.51.100.20', 'listen_port': 53}] | v6only.gateway.dnsdist_routes }}"
  # => {'listen': ['198.51.100.20:53'], 'pools': [{'name': 'a-ns', 'backend': '[2001:db8::53]:53', 'check_name': 'a.example.'}],
  #     'rules': [{'pool': 'a-ns', 'zones': ['a.example.']}]}
"""

RETURN = r"""
_value:
  description: C(listen) (sorted sockets), C(pools) (sorted by VM) and C(rules) (deepest zones first), zones with a trailing dot.
  type: dict
"""


def dnsdist_routes(rows, extra_addresses=None):
    try:
        return _dnsdist_routes(rows, extra_addresses or ())
    except (ValueError, KeyError) as error:
        raise AnsibleFilterError(f"dnsdist_routes: {error}") from error


class FilterModule:
    def filters(self):
        return {"dnsdist_routes": dnsdist_routes}
