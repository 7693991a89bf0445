#!/usr/bin/python
# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module haproxy_map: make a running HAProxy's map equal to its map file, over the runtime API."""

DOCUMENTATION = r"""
module: haproxy_map
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Apply HAProxy map files to the running process without a reload
description:
  - For each map of O(names), reads the desired entries from its file, asks the running HAProxy for the map's
    entries over its admin socket (C(show map)), and when they differ replaces them atomically with
    C(prepare map), C(add map @version) and C(commit map @version). No connection is touched and nothing reloads.
  - Every map is compared, not only those whose file changed this run, so a run interrupted after writing a
    file still converges. All maps are one module run.
  - A map must already be loaded by the running configuration; a map the process does not know needs a reload,
    and the module fails saying so. Maps before it in O(names) stay applied, each being its own atomic commit.
options:
  socket:
    description: The HAProxy admin socket (C(stats socket ... level admin)).
    type: path
    required: true
  names:
    description: The maps as the running process knows them, i.e. the file paths used in the configuration.
    type: list
    elements: str
    required: true
attributes:
  check_mode:
    support: full
    description: Compares and reports; the running map is not changed.
  diff_mode:
    support: full
    description: Shows the running entries before and after.
"""

EXAMPLES = r"""
- name: Apply the SNI map of port 443 to the running gateway
  v6only.gateway.haproxy_map:
    socket: /run/haproxy/admin.sock
    names: [/etc/haproxy/maps/sni_198.51.100.20_443.map]
"""

RETURN = r"""
maps:
  description: Per map, its entries after the run and the keys added to and removed from the running map.
  type: dict
  returned: always
  sample: {"/etc/haproxy/maps/sni_198.51.100.20_443.map": {"entries": 2, "added": ["a.example"], "removed": []}}
changed_maps:
  description: The maps whose running entries differed from their file.
  type: list
  elements: str
  returned: always
"""

import socket as socketlib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6only.gateway.plugins.module_utils._haproxy_maps import (
    map_text,
    parse_map_text,
    parse_prepared_version,
    parse_show_map,
    replace_commands,
)


def runtime(path, command):
    """Send one command to the admin socket and return the whole answer."""
    with socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(path)
        conn.sendall(command.encode() if command.endswith("\n") else (command + "\n").encode())
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode()


def apply_map(module, sock, name):
    """Compare one map with its file and, outside check mode, replace the running entries; (result, diff)."""
    try:
        with open(name, encoding="utf-8") as handle:
            wanted = parse_map_text(handle.read())
    except OSError as error:
        module.fail_json(msg=f"cannot read map file: {error}")
    try:
        answer = runtime(sock, f"show map {name}")
    except OSError as error:
        module.fail_json(msg=f"HAProxy admin socket {sock} does not answer ({error}); is haproxy running?")
    if "Unknown map identifier" in answer or "Missing map identifier" in answer:
        module.fail_json(msg=f"the running HAProxy has no map {name}; it needs a reload to load it")
    running = parse_show_map(answer)
    result = {"entries": len(wanted), "added": sorted(set(wanted) - set(running)),
              "removed": sorted(set(running) - set(wanted))}
    diff = {"before": map_text(running.items()), "after": map_text(wanted.items()),
            "before_header": f"running {name}", "after_header": name}
    if running != wanted and not module.check_mode:
        version = parse_prepared_version(runtime(sock, f"prepare map {name}"))
        for command in replace_commands(name, wanted, version):
            answer = runtime(sock, command).strip()
            if answer:
                module.fail_json(msg=f"runtime API refused '{command.splitlines()[0]}' for {name}: {answer}")
        if parse_show_map(runtime(sock, f"show map {name}")) != wanted:
            module.fail_json(msg=f"map {name} does not hold the file's entries after commit")
    return result, (diff if running != wanted else None)


def main():
    module = AnsibleModule(
        argument_spec={
            "socket": {"type": "path", "required": True},
            "names": {"type": "list", "elements": "str", "required": True},
        },
        supports_check_mode=True,
    )
    maps, diffs = {}, []
    for name in module.params["names"]:
        maps[name], diff = apply_map(module, module.params["socket"], name)
        if diff:
            diffs.append(diff)
    result = {"changed": bool(diffs), "maps": maps, "changed_maps": [d["after_header"] for d in diffs]}
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
