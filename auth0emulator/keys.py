"""RS256 signing keys: the current one signs, the previous ones stay published in the JWKS."""

from __future__ import annotations

from typing import Any

from joserfc.jwk import KeySet, RSAKey

from auth0emulator.store import Store

KEYS_KEPT = 3


def new_key() -> dict[str, Any]:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
    return dict(key.as_dict(private=True))


class SigningKeys:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, RSAKey] = {}
        with store.read() as state:
            missing = not state["keys"]
        if missing:
            self.rotate()

    def rotate(self) -> str:
        """Make a new key current; the previous ones are still published. Returns the new kid."""
        key = new_key()
        with self._store.write() as state:
            state["keys"] = [key, *state["keys"]][:KEYS_KEPT]
        return str(key["kid"])

    def _import(self, data: dict[str, Any]) -> RSAKey:
        kid = str(data["kid"])
        if kid not in self._cache:
            self._cache[kid] = RSAKey.import_key(data)
        return self._cache[kid]

    def current(self) -> RSAKey:
        with self._store.read() as state:
            return self._import(state["keys"][0])

    def public_keyset(self) -> KeySet:
        with self._store.read() as state:
            return KeySet([self._import(data) for data in state["keys"]])

    def jwks(self) -> dict[str, Any]:
        with self._store.read() as state:
            keys = [self._import(data).as_dict(private=False) for data in state["keys"]]
        return {"keys": [_x5_free(key) for key in keys]}


def _x5_free(key: dict[str, Any]) -> dict[str, Any]:
    # Auth0 publishes kty, use, n, e, kid (plus x5c/x5t); no private members, ever.
    return {k: key[k] for k in ("kty", "use", "alg", "n", "e", "kid") if k in key}
