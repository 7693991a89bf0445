"""molecule/site verify: the end-to-end matrix of `make lab`, on this scenario's containers."""
import os
import subprocess
import sys

ROOT = os.environ.get("MOLECULE_PROJECT_DIRECTORY", os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def test_every_cell_of_the_matrix_passes():
    inventory = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "e2e.py"), "--inventory", inventory],
                          capture_output=True, text=True, timeout=600)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # carol-web's HTTP, HTTPS (PROXY v2), IMAPS, SSH and submission (lent
    # address), plus the VM's DNS64 answer and its NAT64 fetch: nothing skipped.
    assert "7 of 7 cells ✓" in proc.stdout, proc.stdout
