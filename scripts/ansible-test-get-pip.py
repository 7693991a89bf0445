# Stands in for ansible-test's pip bootstrap script, whose download host is not
# reachable from these machines: pip comes from Python's bundled wheel instead,
# then the version ansible-test asked for comes from PyPI.
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], stdout=subprocess.DEVNULL)
wanted = [arg for arg in sys.argv[1:] if not arg.startswith("-")] or ["pip"]
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", *wanted])
