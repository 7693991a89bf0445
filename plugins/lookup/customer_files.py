# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup plugin: the customers of an inventory, one per YAML file."""

from __future__ import annotations

DOCUMENTATION = r"""
name: customer_files
author: v6only.gateway developers (@v6only)
version_added: "0.1.0"
short_description: Load one customer per YAML file from a directory
description:
  - Reads every C(*.yml) and C(*.yaml) file in each directory given, sorted by
    file name, and returns one entry per file, C({name, file, error, content}).
  - The file name without its suffix is the customer name (C(name)), C(file)
    is the path, and C(content) is the file's mapping exactly as written. What
    the file says never mixes with what the loader says about it, so no key in
    a customer file can pose as the loader's.
  - A file that is over 256 KiB (refused unread), is not UTF-8, is not valid
    YAML, has a duplicate key, uses an anchor or alias (refused before anything
    is built, which defeats alias bombs), or is not a mapping comes back with
    C(content=None) and C(error) saying why, so that
    R(v6only.gateway.forward_table,ansible_collections.v6only.gateway.forward_table_filter)
    reports it together with every other error instead of stopping the play.
  - A missing directory gives no customers.
  - Use C(query) (or C(wantlist=true)); plain C(lookup) turns a single
    customer into a bare mapping.
  - Reads on the controller from the inventory, so C(--limit) never hides a
    customer.
options:
  _terms:
    description: Directories to read, usually C({{ inventory_dir }}/customers).
    type: list
    elements: path
    required: true
"""

EXAMPLES = r"""
- name: Load the customers of this inventory
  ansible.builtin.set_fact:
    customers: "{{ query('v6only.gateway.customer_files', inventory_dir ~ '/customers') }}"
  # => [{"name": "alice", "file": ".../customers/alice.yml", "error": null,
  #      "content": {"prefix": ..., "domains": [...], "vms": [...]}},
  #     {"name": "carol", "file": ".../customers/carol.yml", "content": null,
  #      "error": "is not valid YAML: anchors and aliases (&name, *name) are refused in customer files ..."}]
"""

RETURN = r"""
_list:
  description:
    - One C({name, file, error, content}) per customer file, sorted by file
      name; a broken file has C(content=None) and its C(error).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.v6only.gateway.plugins.plugin_utils._customer_files import load_customer_files


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        customers = []
        for term in terms:
            if not isinstance(term, str) or not term:
                raise AnsibleLookupError("customer_files expects a directory path, got {0!r}".format(term))
            customers.extend(load_customer_files(term))
        return customers
