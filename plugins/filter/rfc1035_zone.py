# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter rfc1035_zone: the master file of the gateway names, serial bumped only on change."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._zone_file import render_zone

DOCUMENTATION = r"""
name: rfc1035_zone
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Render DNS records as an RFC 1035 master file
description:
  - Returns the text of a master file for O(origin) with an SOA, one NS record per name server
    and the A/AAAA records of O(_input), sorted, with absolute names.
  - The SOA serial is taken from O(previous) when the rendered records are unchanged, otherwise it is
    the previous serial plus one (1 for a new file), so re-running is idempotent and secondaries still
    see every change.
  - Fails on a record outside O(origin), a type other than A or AAAA, or a value of the wrong family.
positional: origin, nameservers, hostmaster, ttl, previous
options:
  _input:
    description: Records, each a mapping with C(name), C(type), C(value) and optional C(ttl), such as C(v6only_gateway_model.dns_records).
    type: list
    elements: dict
    required: true
  origin:
    description: The zone, for example C(v6only_gateway_model.settings.zone).
    type: str
    required: true
  nameservers:
    description: Names of the zone's authoritative servers; the first is the SOA MNAME.
    type: list
    elements: str
    required: true
  hostmaster:
    description: The SOA RNAME, as a mail address or a domain name.
    type: str
    required: true
  ttl:
    description: Default TTL, also the negative-caching TTL.
    type: int
    required: true
  previous:
    description: The text of the file this filter rendered last time, or an empty string.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: The gateway names as a zone file, serial kept while nothing changes
  ansible.builtin.copy:
    dest: /etc/unbound/ip4-gw.example.net.zone
    content: >-
      {{ v6only_gateway_model.dns_records | v6only.gateway.rfc1035_zone('ip4-gw.example.net',
         ['ns1.example.net'], 'hostmaster@example.net', 300, '') }}
    mode: "0644"
  # => content starts with
  #   $ORIGIN ip4-gw.example.net.
  #   $TTL 300
  #   ip4-gw.example.net. 300 IN SOA ns1.example.net. hostmaster.example.net. (
  #       1 ; serial
"""

RETURN = r"""
_value:
  description: The master file text, ending with a newline.
  type: str
"""


def rfc1035_zone(records, origin, nameservers, hostmaster, ttl, previous=""):
    try:
        return render_zone(records, origin, nameservers, hostmaster, ttl, previous)
    except (ValueError, TypeError) as error:
        raise AnsibleFilterError(f"rfc1035_zone: {error}") from error


class FilterModule:
    def filters(self):
        return {"rfc1035_zone": rfc1035_zone}
