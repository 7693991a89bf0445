# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter unbound_local_data_lines: DNS records as Unbound local-data lines."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._unbound_local_data import local_data_lines

DOCUMENTATION = r"""
name: unbound_local_data_lines
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Render DNS records as Unbound local-data resource records
description:
  - Returns one C(name. ttl IN type value) string per record, sorted, with absolute lower-case names.
  - These are the records the module M(v6only.gateway.unbound_local_data) applies to a running Unbound.
positional: ttl
options:
  _input:
    description: Records, each a mapping with C(name), C(type), C(value) and optional C(ttl), such as C(v6only_gateway_model.dns_records).
    type: list
    elements: dict
    required: true
  ttl:
    description: TTL of records without one.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: The gateway names as Unbound local data
  ansible.builtin.debug:
    msg: "{{ [{'name': 'https-alice-web-ip4-gw.ip4-gw.example.net', 'type': 'A', 'value': '198.51.100.20'}]
             | v6only.gateway.unbound_local_data_lines(300) }}"
  # => ["https-alice-web-ip4-gw.ip4-gw.example.net. 300 IN A 198.51.100.20"]
"""

RETURN = r"""
_value:
  description: The resource records, sorted.
  type: list
  elements: str
"""


def unbound_local_data_lines(records, ttl):
    try:
        return local_data_lines(records, ttl)
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError(f"unbound_local_data_lines: {error}") from error


class FilterModule:
    def filters(self):
        return {"unbound_local_data_lines": unbound_local_data_lines}
