"""The tool's real key generator (the rest of the suite takes keys from a per-process pool)."""

from __future__ import annotations

import pytest

from app.lti import keys


def test_a_new_key_pair_is_a_fresh_2048_bit_rsa_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the generator itself, not tests/support/keys.py's pool
    first, second = keys.new_key_pair(), keys.new_key_pair()
    assert first.get_op_key("sign").key_size == keys.KEY_SIZE == 2048
    assert first.has_private and first["kty"] == "RSA"
    assert first.thumbprint() != second.thumbprint()
