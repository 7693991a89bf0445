#!/usr/bin/python
# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the role_inputs action plugin (plugins/action/role_inputs.py), which does the work."""

DOCUMENTATION = r"""
module: role_inputs
author: v6only.gateway developers (@v6only)
version_added: 0.3.0
short_description: Tell whether a role's inputs changed since it last applied them on a host
description:
  - Used as the first task of a role. Digests what the role applies from, on the controller
    (the role's own files and the collection's plugins; every variable named after the role, as defined,
    not templated; the C(v6only_gateway_*) variables and the facts the role's files name, the model by its
    C(digest); the host's name),
    and with O(skip_unchanged) compares the digest with the one the host recorded in
    C(/var/lib/v6only-gateway/applied/<role>), in one shell command.
  - The role's last task records the digest with O(record), only after its handlers ran, so a run that
    stopped part-way leaves the old digest and the next run applies the role again. It digests the inputs
    again, the same variables and facts as the comparison, as they are after the role (which may change its own, as
    ipv4_lending writes the lease file the model is built from); a variable unset at the comparison (one the
    role sets for later roles) counts as unset.
  - site.yml's customer path (C(--skip-tags setup)) skips a role whose digest the host holds; a full run
    always applies it, and repairs anything changed on the host by hand, which the customer path does not look for.
  - Variables are digested as written, so a provider variable defined as a template over another variable the
    role does not name is not followed. The customer path is for customer changes; a provider change (group_vars,
    the collection) is applied by a full run.
options:
  skip_unchanged:
    description: Compare with the host's digest; RV(apply) is false only when this is true and they are equal.
    type: bool
  record:
    description: The registered result of the role's comparison task, once the role applied its inputs.
    type: dict
attributes:
  check_mode:
    support: full
    description: Compares; O(record) reports whether it would write the digest, and writes nothing.
  diff_mode:
    support: none
    description: No diff.
notes:
  - Exactly one of O(skip_unchanged) and O(record) is given.
"""

EXAMPLES = r"""
- name: Compare the role's inputs with those this host last applied
  v6only.gateway.role_inputs:
    skip_unchanged: "{{ 'setup' in ansible_skip_tags }}"
  register: __haproxy_sni_inputs

- name: Apply the role
  ansible.builtin.include_tasks: apply.yml
  when: __haproxy_sni_inputs.apply
"""

RETURN = r"""
apply:
  description: Whether the role must run on this host.
  type: bool
  returned: when O(skip_unchanged) is given
fingerprint:
  description: The SHA-1 digest of the role's inputs (with O(record), the one recorded).
  type: str
  returned: always
names:
  description: The variables digested, besides the facts.
  type: list
  elements: str
  returned: when O(skip_unchanged) is given
facts:
  description: The facts digested (those the role's files name that were gathered when the comparison ran).
  type: list
  elements: str
  returned: when O(skip_unchanged) is given
unset:
  description: The variables digested as unset (undefined when the comparison ran).
  type: list
  elements: str
  returned: when O(skip_unchanged) is given
last:
  description: The digest the host recorded (empty when none), or null when O(skip_unchanged) is false.
  type: str
  returned: when O(skip_unchanged) is given
"""
