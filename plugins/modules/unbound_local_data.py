#!/usr/bin/python
# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module unbound_local_data: make a running Unbound's local data of one zone equal to the records given."""

DOCUMENTATION = r"""
module: unbound_local_data
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Apply local data of one zone to a running Unbound without a reload
description:
  - Asks the running Unbound for its local data (C(unbound-control list_local_data)), keeps the records in O(zone)
    and below, and when they differ from O(records) removes the names that changed or went
    (C(local_datas_remove)) and adds the names that changed or are new (C(local_datas)).
    The cache, the other local data and every client connection stay as they are; nothing reloads.
  - A name whose records differ at all is removed and added again in two commands, so for those milliseconds
    it is answered as if it had no local data.
  - Reads the live data again afterwards and fails unless it equals O(records).
  - Write the same records into the configuration too (the filter P(v6only.gateway.unbound_local_data_lines#filter)
    renders the lines), so that a restart or a reload serves them as well.
options:
  zone:
    description: The zone whose local data this module owns; local data outside it is never touched.
    type: str
    required: true
  records:
    description: The records Unbound must serve in O(zone), each with C(name), C(type), C(value) and optional C(ttl).
    type: list
    elements: dict
    required: true
  default_ttl:
    description: TTL of records without one.
    type: int
    required: true
attributes:
  check_mode:
    support: full
    description: Compares and reports; the running Unbound is not changed.
  diff_mode:
    support: full
    description: Shows the zone's live records before and after.
requirements:
  - C(unbound-control) on the host, allowed to reach the server (root on the default local socket).
"""

EXAMPLES = r"""
- name: Serve the gateway names live
  v6only.gateway.unbound_local_data:
    zone: ip4-gw.example.net
    records: "{{ v6only_gateway_model.dns_records }}"
    default_ttl: 300
"""

RETURN = r"""
removed:
  description: Names removed from the running Unbound (gone, or re-added with their new records).
  type: list
  elements: str
  returned: always
  sample: [ssh-bob-web-ip4-gw.ip4-gw.example.net.]
added:
  description: Records added to the running Unbound.
  type: list
  elements: str
  returned: always
  sample: [https-dave-web-ip4-gw.ip4-gw.example.net. 300 IN A 198.51.100.20]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6only.gateway.plugins.module_utils._unbound_local_data import (
    in_zone,
    local_data_lines,
    rr_key,
    rrs_text,
    sync_plan,
    zone_rrs,
)


def control(module, command, lines=None):
    """Run one unbound-control command, feeding ``lines`` on stdin; its output, or the run fails."""
    # run_command ends the data with a newline; one more would be an empty RR, which Unbound refuses.
    data = "\n".join(lines) if lines is not None else None
    rc, out, err = module.run_command([module.get_bin_path("unbound-control", required=True), command], data=data)
    # A bulk command reports a bad line as "error ..." among its output, not always in its exit code.
    if rc != 0 or (lines is not None and "error" in out):
        module.fail_json(msg=f"unbound-control {command} failed (rc {rc}): {(out + err).strip()}")
    return out


def main():
    module = AnsibleModule(
        argument_spec={
            "zone": {"type": "str", "required": True},
            "records": {"type": "list", "elements": "dict", "required": True},
            "default_ttl": {"type": "int", "required": True},
        },
        supports_check_mode=True,
    )
    zone = module.params["zone"]
    try:
        wanted = {rr_key(line) for line in local_data_lines(module.params["records"], module.params["default_ttl"])}
    except (KeyError, TypeError, ValueError) as error:
        module.fail_json(msg=f"a record is malformed: {error}")
    outside = sorted(key[0] for key in wanted if not in_zone(key[0], zone))
    if outside:
        module.fail_json(msg=f"records outside zone {zone}: {outside}")
    live = zone_rrs(control(module, "list_local_data"), zone)
    remove, add = sync_plan(live, wanted)
    result = {"changed": bool(remove or add), "removed": remove, "added": add}
    if module._diff:
        result["diff"] = {"before": rrs_text(live), "after": rrs_text(wanted),
                          "before_header": f"unbound local data of {zone}", "after_header": "records"}
    if result["changed"] and not module.check_mode:
        if remove:
            control(module, "local_datas_remove", remove)
        if add:
            control(module, "local_datas", add)
        if zone_rrs(control(module, "list_local_data"), zone) != wanted:
            module.fail_json(msg=f"Unbound's local data of {zone} differs from the records after the change", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
