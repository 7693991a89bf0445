# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containers.podman's podman connection, with pipelining: Molecule's scenarios
(.config/molecule/config.yml) and the lab (ansible.cfg) use it; the collection does not ship it.

The stock plugin runs `podman exec` without -i, so it cannot pipeline: every task then
costs a temporary directory, a copy, a chmod and a clean-up besides the module itself,
each one a podman exec (about 0.2 s here). With -i the module goes over stdin, as it
does over SSH with pipelining. As root it enters the container with nsenter instead
of podman exec (molecule/podman_enter.py says why and what differs), and copies files
through the same; otherwise everything is the stock plugin's.
"""

DOCUMENTATION = """
    name: pipelined_podman
    short_description: containers.podman.podman with pipelining
    description:
        - Runs commands in an existing podman container, passing modules over stdin.
    options:
      remote_addr:
        description: The name or ID of the container.
        default: inventory_hostname
        vars:
          - name: ansible_host
          - name: inventory_hostname
          - name: ansible_podman_host
      remote_user:
        description: The user commands run as in the container.
        ini:
          - section: defaults
            key: remote_user
        env:
          - name: ANSIBLE_REMOTE_USER
        vars:
          - name: ansible_user
      podman_extra_args:
        description: Extra arguments to pass to the podman command line.
        default: ''
        ini:
          - section: defaults
            key: podman_extra_args
        vars:
          - name: ansible_podman_extra_args
        env:
          - name: ANSIBLE_PODMAN_EXTRA_ARGS
      podman_executable:
        description: Executable for podman command.
        default: podman
        vars:
          - name: ansible_podman_executable
        env:
          - name: ANSIBLE_PODMAN_EXECUTABLE
      pipelining:
        description: Send modules over stdin instead of copying them into the container.
        type: boolean
        default: true
        env:
          - name: ANSIBLE_PIPELINING
        vars:
          - name: ansible_pipelining
"""

import os
import shlex
import subprocess
import sys

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.connection import ConnectionBase, ensure_connect
from ansible_collections.containers.podman.plugins.connection.podman import Connection as PodmanConnection

# molecule/podman_enter.py, shared with the testinfra hosts; this directory is not a package.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from podman_enter import enter_command  # noqa: E402  pylint: disable=wrong-import-position


class Connection(PodmanConnection):
    """The stock podman connection, plus stdin for pipelined modules, through nsenter as root."""

    transport = "pipelined_podman"
    has_pipelining = True

    def _connect(self):
        if not self._connected:
            self._enter = None if self.user else enter_command(self._container_id, self.get_option("podman_executable"))
            if self._enter is None:
                return super()._connect()  # podman mount, for the stock put_file and fetch_file
            ConnectionBase._connect(self)
            self._connected = True
        return self

    def _entered(self, args, in_data=None):
        run = subprocess.run(self._enter + args, input=in_data, capture_output=True, check=False)
        return run.returncode, run.stdout, run.stderr

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=False):
        # The stock exec_command's own checks, without its exec.
        ConnectionBase.exec_command(self, cmd, in_data=in_data, sudoable=sudoable)
        args = shlex.split(to_native(cmd, errors="surrogate_or_strict"))
        if self._enter:
            return self._entered(args, in_data)
        podman = ["exec"]
        if in_data is not None:
            podman.append("--interactive")
        if self.user:
            podman += ["--user", self.user]
        return self._podman(podman, args, in_data)

    @ensure_connect
    def put_file(self, in_path, out_path):
        if not self._enter:
            return super().put_file(in_path, out_path)
        ConnectionBase.put_file(self, in_path, out_path)
        with open(to_bytes(in_path, errors="surrogate_or_strict"), "rb") as source:
            rc, _, stderr = self._entered(["sh", "-c", 'cat > "$1"', "sh", out_path], source.read())
        if rc != 0:
            raise AnsibleError(f"failed to copy {in_path} to {out_path} in {self._container_id}: {to_native(stderr)}")

    @ensure_connect
    def fetch_file(self, in_path, out_path):
        if not self._enter:
            return super().fetch_file(in_path, out_path)
        ConnectionBase.fetch_file(self, in_path, out_path)
        rc, stdout, stderr = self._entered(["cat", in_path])
        if rc != 0:
            raise AnsibleError(f"failed to fetch {in_path} from {self._container_id}: {to_native(stderr)}")
        with open(to_bytes(out_path, errors="surrogate_or_strict"), "wb") as target:
            target.write(stdout)
