"""RSA keys for tests: made once per test process, handed out afresh in each test.

Making a 2,048-bit RSA key takes 25–150 ms, and loading one back checks it (~0.3 s);
every LTI test needs at least two (the platform's and the tool's). Within a test each
`take()` returns a key that test has not had yet, so a test of rotation or of a wrong
key still signs with distinct keys; the next test starts from the first key again.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa


class KeyPool:
    def __init__(self) -> None:
        self._keys: list[rsa.RSAPrivateKey] = []
        self._next = 0

    def take(self) -> rsa.RSAPrivateKey:
        if self._next == len(self._keys):
            self._keys.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        key = self._keys[self._next]
        self._next += 1
        return key

    def start_test(self) -> None:
        self._next = 0


PLATFORM_KEYS = KeyPool()  # the stand-in LMSs' signing keys
TOOL_KEYS = KeyPool()  # our app's keys (app.lti.keys.new_key_pair, patched by conftest)
