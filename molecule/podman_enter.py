"""Commands into a podman container through its namespaces, for the test connection
(connection_plugins/pipelined_podman.py) and the testinfra hosts (conftest.py).

`podman exec` spends about 0.2 s of CPU per call (the podman binary, conmon, the OCI
runtime) and Molecule and the lab make thousands of calls on two cores. As root,
nsenter enters a running container's namespaces in a few milliseconds. The command
gets the container's environment, root, network and process tree, but neither its
capability bounding set nor its seccomp filter: root on the test gateway is what root
is on a real gateway. Services still start under the container's systemd as they did.
"""

import os
import re
import shutil
import subprocess
import tempfile

# A container's main PID, kept across processes (Ansible forks a worker per task).
CACHE = os.path.join(tempfile.gettempdir(), f"podman-enter-{os.getuid()}")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _started(pid):
    """The process's start time in clock ticks: a PID reused by another process differs."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().rsplit(")", 1)[1].split()[19]


def container_pid(name, podman="podman"):
    """The running container's main PID (as text), or None."""
    path = os.path.join(CACHE, name)
    try:
        with open(path, encoding="ascii") as handle:
            pid, started = handle.read().split()
        if _started(pid) == started:
            return pid
    except (OSError, ValueError, IndexError):
        pass
    found = subprocess.run([podman, "inspect", "--format", "{{.State.Pid}}", name],
                           capture_output=True, text=True, check=False)
    pid = found.stdout.strip()
    if found.returncode != 0 or not pid.isdigit() or pid == "0":
        return None
    try:
        os.makedirs(CACHE, mode=0o700, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=CACHE, delete=False, encoding="ascii") as handle:
            handle.write(f"{pid} {_started(pid)}\n")
        os.replace(handle.name, path)
    except OSError:
        pass
    return pid


def enter_command(name, podman="podman"):
    """The argv prefix that runs a command in container `name` as root, or None where
    nsenter cannot (not root, no nsenter, an unusual name, the container not running)."""
    if os.geteuid() != 0 or not shutil.which("nsenter") or not NAME.fullmatch(name):
        return None
    pid = container_pid(name, podman)
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            environment = [item.decode() for item in handle.read().split(b"\0") if item]
    except OSError:
        return None
    return ["nsenter", "--target", pid, "--all", "--", "env", "-i", *environment]
