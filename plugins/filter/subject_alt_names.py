# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter subject_alt_names: an openssl subjectAltName value from names and addresses."""

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import subject_alt_names as _subject_alt_names

DOCUMENTATION = r"""
name: subject_alt_names
author: v6only.gateway developers (@v6only)
version_added: 0.2.0
short_description: An X.509 subjectAltName value for openssl from a list of names
description:
  - Each IPv4 or IPv6 address becomes C(IP:<address>), anything else C(DNS:<name>), in the given order,
    joined with commas, as C(openssl req -addext subjectAltName=...) expects.
options:
  _input:
    description: DNS names and IP addresses.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: The SAN of a resolver's self-signed certificate
  ansible.builtin.debug:
    msg: "{{ ['dns.example.net', '2001:db8:10::53', '198.51.100.53'] | v6only.gateway.subject_alt_names }}"
  # => 'DNS:dns.example.net,IP:2001:db8:10::53,IP:198.51.100.53'
"""

RETURN = r"""
_value:
  description: The subjectAltName value.
  type: str
"""


def subject_alt_names(names):
    return _subject_alt_names(names)


class FilterModule:
    def filters(self):
        return {"subject_alt_names": subject_alt_names}
