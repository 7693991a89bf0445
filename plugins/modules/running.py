#!/usr/bin/python
# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the running action plugin (plugins/action/running.py), which does the work."""

DOCUMENTATION = r"""
module: running
author: v6only.gateway developers (@v6only)
version_added: 0.3.0
short_description: Make systemd units enabled and started, in one shell command per host
description:
  - Asks systemd, in one shell command, whether each unit of O(names) is enabled and active and whether its
    unit files changed on disk. Enables and starts those that are not (after C(systemctl daemon-reload) when a
    unit file changed), and changes nothing otherwise.
  - What M(ansible.builtin.systemd_service) does with C(enabled=true) and C(state=started), without a Python
    module run on the host, which costs about 0.25 s of CPU per unit on every run. Restarts and reloads stay
    with M(ansible.builtin.systemd_service), in handlers.
options:
  names:
    description: The units.
    type: list
    elements: str
    required: true
attributes:
  check_mode:
    support: full
    description: Reports what it would enable or start.
  diff_mode:
    support: none
    description: No diff.
"""

EXAMPLES = r"""
- name: Run radvd and keepalived
  v6only.gateway.running:
    names: [radvd, keepalived]
"""

RETURN = r"""
enable:
  description: The units that were not enabled.
  type: list
  elements: str
  returned: always
start:
  description: The units that were not active.
  type: list
  elements: str
  returned: always
daemon_reload:
  description: Whether a unit file had changed on disk, so systemd was reloaded first.
  type: bool
  returned: always
"""
