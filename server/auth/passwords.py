"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256


class PasswordPolicyError(ValueError):
    """The password breaks the policy; the message says which rule, never the password."""


def check_policy(password: str, login: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"the password must have at most {MAX_LENGTH} characters")
    if login and login.lower() in password.lower():
        raise PasswordPolicyError("the password must not contain the login id")
    if len(set(password)) < 4:
        raise PasswordPolicyError("the password must use at least 4 different characters")


class Hasher:
    """argon2id with the library's defaults; tests pass cheaper parameters."""

    def __init__(self, time_cost: int | None = None, memory_cost: int | None = None) -> None:
        defaults = PasswordHasher()
        self._ph = PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost or defaults.memory_cost,
        )
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def _placeholder(self) -> str:
        """Verified against when a login id is unknown, so both answers take the same time. Made at the first
        such login, not at start: a hash costs the time and memory (64 MiB) of argon2, which every server
        process and CLI command would otherwise pay at start."""
        if self._dummy is None:
            self._dummy = self._ph.hash("madoguchi-unknown-login-placeholder")
        return self._dummy

    def verify(self, hashed: str | None, password: str) -> bool:
        try:
            return self._ph.verify(hashed or self._placeholder(), password) and hashed is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        return self._ph.check_needs_rehash(hashed)
