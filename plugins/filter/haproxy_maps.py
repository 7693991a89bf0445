# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter haproxy_maps: the HAProxy frontends, backends and map files for haproxy_sni rows."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._haproxy_maps import haproxy_layout

DOCUMENTATION = r"""
name: haproxy_maps
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: HAProxy layout (frontends, backends, routing maps) from forward-table rows
description:
  - Takes the rows of C(v6only_gateway_model.tables.haproxy_sni) and returns what the
    haproxy_sni role renders; the role itself holds no routing logic.
  - One frontend per listening socket. C(host) and C(sni) frontends look the Host header or
    the TLS SNI up in a map file (name to backend); C(port) frontends have a single backend.
  - One backend per row, named after the row id, so names are stable across runs.
  - Fails when a backend lies outside O(allowed_prefixes), when one socket would route two ways,
    when a name routes to two backends on one socket, or when O(no_sni_row) is not an sni row.
positional: allowed_prefixes, no_sni_row
options:
  _input:
    description: Forward-table rows served by haproxy_sni.
    type: list
    elements: dict
    required: true
  allowed_prefixes:
    description: Customer prefixes; every backend address must be inside one. Empty skips the check.
    type: list
    elements: str
    default: []
  no_sni_row:
    description: Row id whose backend receives TLS connections without SNI on that row's port. Empty refuses them.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Layout for the gateway
  ansible.builtin.set_fact:
    layout: "{{ v6only_gateway_model.tables.haproxy_sni | v6only.gateway.haproxy_maps(['2001:db8:100::/48']) }}"
  # layout.maps => {'sni_198.51.100.20_443.map': [['alice.example', 'alice-web_https_tcp_443']], ...}
  # layout.frontends => [{'name': 'host_198.51.100.20_80', 'routing': 'host', 'bind': '198.51.100.20:80',
  #                       'port': 80, 'map': 'host_198.51.100.20_80.map'}, ...]
"""

RETURN = r"""
_value:
  description:
    - Keys C(frontends), C(backends), C(maps) (file name to sorted [name, backend] pairs),
      C(map_texts) (file name to the text of that map file) and C(ssh) (per-VM SSH ports).
  type: dict
"""


def haproxy_maps(rows, allowed_prefixes=None, no_sni_row=""):
    try:
        return haproxy_layout(rows, allowed_prefixes or (), no_sni_row or "")
    except (ValueError, KeyError) as error:
        raise AnsibleFilterError(f"haproxy_maps: {error}") from error


class FilterModule:
    def filters(self):
        return {"haproxy_maps": haproxy_maps}
