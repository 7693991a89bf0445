"""Tests for the wireguard_key module and its key helpers (no `wg` needed: the cryptography path is exercised)."""

import base64
import json
import os
import stat

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.v6only.gateway.plugins.module_utils import _wireguard_key as keys
from ansible_collections.v6only.gateway.plugins.modules import wireguard_key

# RFC 7748 section 6.1, Alice's key pair.
PRIVATE = base64.b64encode(bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")).decode()
PUBLIC = base64.b64encode(bytes.fromhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")).decode()


@pytest.fixture(autouse=True)
def no_wg(monkeypatch):
    monkeypatch.setattr(wireguard_key.AnsibleModule, "get_bin_path", lambda self, *a, **k: None)


def run(capsys, path, check_mode=False, diff=True):
    args = {"path": str(path), "_ansible_check_mode": check_mode, "_ansible_diff": diff}
    with patch_module_args(args), pytest.raises(SystemExit):
        wireguard_key.main()
    return json.loads(capsys.readouterr().out)


def test_public_key_matches_rfc7748():
    assert keys.public_key(PRIVATE) == PUBLIC


def test_generated_keys_are_valid_and_distinct():
    first, second = keys.generate_private_key(), keys.generate_private_key()
    assert first != second
    assert len(keys.decode_key(first)) == 32 and len(keys.decode_key(keys.public_key(first))) == 32


@pytest.mark.parametrize("bad", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_decode_key_refuses(bad):
    with pytest.raises(ValueError):
        keys.decode_key(bad)


def test_check_mode_never_generates(tmp_path, capsys):
    path = tmp_path / "wg" / "wg0.key"
    result = run(capsys, path, check_mode=True)
    assert result["changed"] and result["generated"] and result["public_key"] is None
    assert not path.exists() and not path.parent.exists()


def test_generates_once_with_mode_0600_and_never_returns_the_private_key(tmp_path, capsys):
    path = tmp_path / "wg" / "wg0.key"
    first = run(capsys, path)
    private = path.read_text().strip()
    assert first["changed"] and first["public_key"] == keys.public_key(private)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert private not in json.dumps(first)
    again = run(capsys, path)
    assert not again["changed"] and again["public_key"] == first["public_key"]
    assert path.read_text().strip() == private


def test_existing_key_is_kept_and_its_mode_fixed(tmp_path, capsys):
    path = tmp_path / "wg0.key"
    path.write_text(PRIVATE + "\n")
    path.chmod(0o644)
    preview = run(capsys, path, check_mode=True)
    assert preview["changed"] and stat.S_IMODE(os.stat(path).st_mode) == 0o644
    result = run(capsys, path)
    assert result["changed"] and not result["generated"] and result["public_key"] == PUBLIC
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert PRIVATE not in json.dumps(result)


def test_a_file_that_is_not_a_key_is_refused_and_left_alone(tmp_path, capsys):
    path = tmp_path / "wg0.key"
    path.write_text("hello\n")
    result = run(capsys, path)
    assert result["failed"] and "not a WireGuard private key" in result["msg"]
    assert path.read_text() == "hello\n"
