"""Secrets from references: ``env:VAR``, ``prompt`` (asked once, not echoed), ``keyring:service/user``.

Resolved in the main thread before any session starts, so a prompt never interleaves with
the progress display, and each reference is asked or looked up once per run.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable

from auditor.errors import CollectError


class Resolver:
    """Resolves references, caching each; ``ask`` is the prompt (getpass unless a test gives one)."""

    def __init__(self, ask: Callable[[str], str] | None = None) -> None:
        self._ask = ask or getpass.getpass
        self._cache: dict[tuple[str, str], str] = {}

    def resolve(self, ref: str | None, what: str) -> str | None:
        """Return the secret a reference names (None for no reference).

        Raises:
            CollectError: the variable is unset, the keyring has no such entry or no backend.
        """
        if ref is None:
            return None
        key = (ref, what if ref == "prompt" else "")
        if key not in self._cache:
            self._cache[key] = self._lookup(ref, what)
        return self._cache[key]

    def secrets(self) -> list[str]:
        """Every secret resolved so far (to scrub them from error messages)."""
        return [s for s in self._cache.values() if s]

    def _lookup(self, ref: str, what: str) -> str:
        if ref.startswith("env:"):
            value = os.environ.get(ref[4:])
            if value is None:
                raise CollectError(f"{what}: environment variable {ref[4:]} is not set")
            return value
        if ref == "prompt":
            return self._ask(f"{what}: ")
        if ref.startswith("keyring:"):
            service, _, user = ref[8:].partition("/")
            try:
                import keyring  # the OS keyring; imported only when an inventory uses it
                import keyring.errors

                value = keyring.get_password(service, user)
            except keyring.errors.KeyringError as exc:
                raise CollectError(f"{what}: keyring unavailable ({type(exc).__name__})") from None
            if value is None:
                raise CollectError(f"{what}: no keyring entry for service {service!r} user {user!r}")
            return value
        raise CollectError(f"{what}: not a secret reference (env:VAR, prompt, keyring:service/user)")
