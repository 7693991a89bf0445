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
    unit file changed), and changes nothing otherwise. Units in O(disabled) are disabled if they are enabled;
    whether they run is left as it is.
  - What M(ansible.builtin.systemd_service) does with C(enabled=true) and C(state=started), without a Python
    module run on the host, which costs about 0.25 s of CPU per unit on every run. Handlers reload and restart
    with O(reloaded) and O(restarted); a restart that needs a C(daemon-reload) first stays with
    M(ansible.builtin.systemd_service).
options:
  names:
    description: The units to enable and start. O(names) or O(disabled) must name at least one unit.
    type: list
    elements: str
    default: []
  disabled:
    description: The units that must not start at boot, for example one another service starts when it is needed.
    type: list
    elements: str
    default: []
  reloaded:
    description:
      - Units to reload, always (a handler's job); one that is not active is started instead, as
        M(ansible.builtin.systemd_service) does with C(state=reloaded). Reported as changed, also in check mode.
    type: list
    elements: str
    default: []
  restarted:
    description: Units to restart, always, after those of O(reloaded); reported as changed, also in check mode.
    type: list
    elements: str
    default: []
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
    disabled: [kea-dhcp6-server]

- name: Reload HAProxy
  v6only.gateway.running:
    reloaded: [haproxy]
"""

RETURN = r"""
enable:
  description: The units that were not enabled.
  type: list
  elements: str
  returned: when O(names) or O(disabled) name a unit
disable:
  description: The units of O(disabled) that were enabled.
  type: list
  elements: str
  returned: when O(names) or O(disabled) name a unit
start:
  description: The units that were not active.
  type: list
  elements: str
  returned: when O(names) or O(disabled) name a unit
reloaded:
  description: The units of O(reloaded).
  type: list
  elements: str
  returned: when O(reloaded) or O(restarted) name a unit
restarted:
  description: The units of O(restarted).
  type: list
  elements: str
  returned: when O(reloaded) or O(restarted) name a unit
daemon_reload:
  description: Whether a unit file had changed on disk, so systemd was reloaded first.
  type: bool
  returned: when O(names) or O(disabled) name a unit
"""
