#!/usr/bin/env bash
# ansible-test sanity on the collection as users install it (built, then installed).
# ansible-test skips trees under dot-directories, so the copy lives in /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/v6only-sanity.XXXXXX)
trap 'rm -rf "$work"' EXIT
ansible-galaxy collection build --force --output-path "$work" >/dev/null
ANSIBLE_COLLECTIONS_PATH=$work ansible-galaxy collection install -p "$work" "$work"/v6only-gateway-*.tar.gz >/dev/null
# The file name follows the pip version that the pinned ansible-core bootstraps.
mkdir -p ~/.ansible/test/cache
cp scripts/ansible-test-get-pip.py ~/.ansible/test/cache/get_pip_24_2.py
cd "$work/ansible_collections/v6only/gateway"
# pylint, pslint and shellcheck need tools ansible-test cannot install offline;
# changelog needs antsibull-changelog fragments, and CHANGELOG.md is kept by hand.
ansible-test sanity --python 3.11 --local --requirements \
  --skip-test pylint --skip-test pslint --skip-test shellcheck --skip-test changelog 2>&1 \
  | grep -vE '^(WARNING: Using locale|Collecting|  Downloading|  Using cached|     |Installing collected|Successfully installed|Looking in|Requirement already)'
