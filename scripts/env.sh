# Source this for interactive molecule/ansible runs with the Makefile's settings:
#   source scripts/env.sh && molecule converge -s haproxy_sni
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONTAINERS_CONF=$_root/containers.conf
export ANSIBLE_CONFIG=$_root/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH=$_root/collections:$_root/.cache/collections
export ANSIBLE_ROLES_PATH=$_root/roles
export PATH=$_root/.venv/bin:$PATH
export PYTHONDONTWRITEBYTECODE=1
unset _root
