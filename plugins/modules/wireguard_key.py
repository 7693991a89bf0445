#!/usr/bin/python
# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module wireguard_key: a WireGuard private key generated once where it is used; only the public half leaves."""

DOCUMENTATION = r"""
module: wireguard_key
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Generate a WireGuard private key once, in place, and return only its public key
description:
  - When O(path) does not exist, generates a private key there with mode C(0600) (C(wg genkey); where C(wg) is
    not installed, for example on the controller, Curve25519 from the C(cryptography) library), and returns the
    public key. When it exists, the key is kept and its public key is derived (C(wg pubkey)).
  - An existing key is never replaced. A file that is not a WireGuard key fails the task and is left alone.
  - The private key is never returned, logged or shown in a diff.
options:
  path:
    description: The private key file. Its directory is created with mode C(0700) when missing.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    description: Never generates a key; reports C(changed) and no public key when one would be generated.
  diff_mode:
    support: full
    description: Shows the public key before and after; never the private key.
"""

EXAMPLES = r"""
- name: Server key, generated once on the server
  v6only.gateway.wireguard_key:
    path: /etc/wireguard/wg0.key
  register: server_key
# server_key.public_key => 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='
"""

RETURN = r"""
public_key:
  description: The base64 public key; null in check mode when the key does not exist yet.
  type: str
  returned: always
generated:
  description: Whether this run created the key (or would, in check mode).
  type: bool
  returned: always
"""

import os
import stat

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6only.gateway.plugins.module_utils._wireguard_key import (
    decode_key,
    generate_private_key,
    public_key,
)


def derive(module, wg, private):
    if wg:
        rc, out, err = module.run_command([wg, "pubkey"], data=private, binary_data=False)
        if rc != 0:
            module.fail_json(msg=f"wg pubkey failed: {err.strip()}")
        return out.strip()
    return public_key(private)


def generate(module, wg):
    if wg:
        rc, out, err = module.run_command([wg, "genkey"])
        if rc != 0:
            module.fail_json(msg=f"wg genkey failed: {err.strip()}")
        return out.strip()
    return generate_private_key()


def write_private(path, private):
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(private + "\n")


def main():
    module = AnsibleModule(argument_spec={"path": {"type": "path", "required": True}}, supports_check_mode=True)
    path = module.params["path"]
    wg = module.get_bin_path("wg")
    result = {"changed": False, "generated": False, "public_key": None}

    if os.path.exists(path):
        with open(path, encoding="ascii", errors="replace") as handle:
            private = handle.read().strip()
        try:
            decode_key(private)
        except ValueError as error:
            module.fail_json(msg=f"{path} is not a WireGuard private key ({error}). It was left alone; "
                                 "move it aside to generate a new key, which changes the public key every peer uses.")
        result["public_key"] = derive(module, wg, private)
        if stat.S_IMODE(os.stat(path).st_mode) != 0o600:
            result["changed"] = True
            if not module.check_mode:
                os.chmod(path, 0o600)
        before = after = result["public_key"]
    else:
        result.update(changed=True, generated=True)
        before, after = "(no key)", "(generated at run time)"
        if not module.check_mode:
            private = generate(module, wg)
            write_private(path, private)
            after = result["public_key"] = derive(module, wg, private)

    if module._diff:
        result["diff"] = {"before_header": path, "after_header": path,
                          "before": f"public_key: {before}\n", "after": f"public_key: {after}\n"}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
