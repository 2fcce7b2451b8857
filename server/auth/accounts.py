"""Staff accounts, sessions and devices in Redis.

Nothing secret is stored in the clear: passwords as argon2id hashes, device tokens, pairing codes and the
setup token as SHA-256 digests. Session ids are 256-bit random values chosen by the server at each login
(a client-chosen or old id is never reused: no session fixation). Revoking a device or disabling a staff
account takes effect at once: HTTP requests look the credential up every time, and a message on the
control channel makes every server process close the websockets it holds for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import msgspec
from redis.asyncio import Redis

from server.auth.passwords import Hasher, PasswordPolicyError, check_policy
from server.auth.principals import Device, DeviceKind, Role, Staff
from server.queue import errors
from server.queue.keys import (
    CONTROL_CHANNEL,
    DEVICE_INDEX,
    SETUP_TOKEN,
    STAFF_INDEX,
    device_key,
    device_token_key,
    pairing_key,
    session_key,
    staff_key,
    staff_sessions_key,
    throttle_key,
)

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


@dataclass(frozen=True)
class AuthSettings:
    session_idle_s: int = 2 * 3600
    """A staff session ends after this long without a request."""
    session_absolute_s: int = 12 * 3600
    """... and this long after login whatever happens (one working day)."""
    failures_per_login: int = 5
    failures_per_address: int = 20
    throttle_window_s: int = 15 * 60
    pairing_ttl_s: int = 24 * 3600
    setup_ttl_s: int = 7 * 24 * 3600


class Unauthorized(errors.DomainError):
    code = "unauthorized"
    status_code = 401


class Forbidden(errors.DomainError):
    code = "forbidden"
    status_code = 403


class RateLimited(errors.DomainError):
    code = "rate_limited"
    status_code = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Accounts:
    def __init__(self, redis: Redis, hasher: Hasher | None = None, settings: AuthSettings | None = None) -> None:
        self.redis = redis
        self.hasher = hasher or Hasher()
        self.settings = settings or AuthSettings()

    async def _hash(self, password: str) -> str:
        """argon2 takes ~0.1 s of CPU: off the event loop, so boards and counters are not held up."""
        return await asyncio.to_thread(self.hasher.hash, password)

    # ---- staff -------------------------------------------------------------------------------

    @staticmethod
    def validate_login(login: str) -> None:
        if not LOGIN_RE.match(login):
            raise errors.ValidationFailed("login ids are 2-32 characters: a-z, 0-9, '.', '_', '-'")

    async def add_staff(
        self, login: str, name: str, role: Role, sites: tuple[str, ...], password: str
    ) -> dict[str, Any]:
        self.validate_login(login)
        if not name.strip() or len(name) > 64:
            raise errors.ValidationFailed("the display name must have 1-64 characters")
        try:
            check_policy(password, login)
        except PasswordPolicyError as exc:
            raise errors.ValidationFailed(str(exc)) from None
        record: dict[Any, Any] = {
            "login": login,
            "name": name.strip(),
            "role": role.value,
            "sites": msgspec.json.encode(list(sites)).decode(),
            "disabled": "0",
            "hash": await self._hash(password),
            "created_at": str(int(time.time())),
        }
        created = await self.redis.hsetnx(staff_key(login), "login", login)
        if not created:
            raise errors.DomainError(f"login id {login!r} is taken", code="conflict", status_code=409)
        await self.redis.hset(staff_key(login), mapping=record)
        await self.redis.sadd(STAFF_INDEX, login)
        if role is Role.ADMIN:
            await self.redis.delete(SETUP_TOKEN)
        return self.public_staff(record)

    @staticmethod
    def public_staff(record: dict[str, Any]) -> dict[str, Any]:
        """An account as responses and listings show it: never the hash."""
        return {
            "login": record["login"],
            "name": record["name"],
            "role": record["role"],
            "sites": msgspec.json.decode(record.get("sites") or "[]"),
            "disabled": record.get("disabled") == "1",
        }

    async def staff_record(self, login: str) -> dict[str, str] | None:
        raw: dict[Any, Any] = await self.redis.hgetall(staff_key(login))
        record = {_text(k): _text(v) for k, v in raw.items()}
        return record if record.get("hash") else None

    async def list_staff(self) -> list[dict[str, Any]]:
        logins = sorted(_text(x) for x in await self.redis.smembers(STAFF_INDEX))
        out = []
        for login in logins:
            record = await self.staff_record(login)
            if record:
                out.append(self.public_staff(record))
        return out

    async def set_password(self, login: str, password: str) -> None:
        if await self.staff_record(login) is None:
            raise errors.NotFound(f"no login {login!r}")
        try:
            check_policy(password, login)
        except PasswordPolicyError as exc:
            raise errors.ValidationFailed(str(exc)) from None
        await self.redis.hset(staff_key(login), "hash", await self._hash(password))
        await self.end_sessions(login)

    async def set_disabled(self, login: str, disabled: bool) -> None:
        if await self.staff_record(login) is None:
            raise errors.NotFound(f"no login {login!r}")
        await self.redis.hset(staff_key(login), "disabled", "1" if disabled else "0")
        if disabled:
            await self.end_sessions(login)

    async def has_admin(self) -> bool:
        return any(s["role"] == Role.ADMIN.value and not s["disabled"] for s in await self.list_staff())

    # ---- first admin -------------------------------------------------------------------------

    async def issue_setup_token(self) -> str | None:
        """A one-time token that creates the first admin, while there is none."""
        if await self.has_admin():
            return None
        token = secrets.token_urlsafe(24)
        await self.redis.set(SETUP_TOKEN, digest(token), ex=self.settings.setup_ttl_s)
        return token

    async def setup_admin(self, token: str, login: str, name: str, password: str) -> dict[str, Any]:
        stored = await self.redis.get(SETUP_TOKEN)
        if stored is None or not secrets.compare_digest(_text(stored), digest(token)) or await self.has_admin():
            raise Unauthorized("the setup token is not valid (it works once, and only before the first admin exists)")
        return await self.add_staff(login, name, Role.ADMIN, (), password)

    # ---- sessions ----------------------------------------------------------------------------

    async def _throttled(self, login: str, address: str) -> int:
        """Seconds to wait when too many logins failed recently, else 0."""
        s = self.settings
        pipe = self.redis.pipeline(transaction=False)
        pipe.get(throttle_key("login", login))
        pipe.get(throttle_key("addr", address))
        pipe.ttl(throttle_key("login", login))
        pipe.ttl(throttle_key("addr", address))
        by_login, by_addr, ttl_login, ttl_addr = await pipe.execute()
        waits = []
        if int(by_login or 0) >= s.failures_per_login:
            waits.append(int(ttl_login))
        if int(by_addr or 0) >= s.failures_per_address:
            waits.append(int(ttl_addr))
        return max([max(w, 1) for w in waits], default=0)

    async def _fail(self, login: str, address: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for key in (throttle_key("login", login), throttle_key("addr", address)):
            pipe.incr(key)
            pipe.expire(key, self.settings.throttle_window_s, nx=True)
        await pipe.execute()

    async def login(self, login: str, password: str, address: str, old_session: str | None = None) -> Staff:
        """A new session for valid credentials; the same 401 for an unknown login and a wrong password."""
        login = login.strip().lower()
        wait = await self._throttled(login, address)
        if wait:
            raise RateLimited(f"too many failed logins; try again in {wait} seconds", retry_after=wait)
        record = await self.staff_record(login) if LOGIN_RE.match(login) else None
        ok = await asyncio.to_thread(self.hasher.verify, record["hash"] if record else None, password)
        if not ok or record is None or record.get("disabled") == "1":
            await self._fail(login, address)
            raise Unauthorized("wrong login id or password")
        await self.redis.delete(throttle_key("login", login))
        if old_session:
            await self.logout(old_session)
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        now = int(time.time())
        key = session_key(session_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping={"login": login, "csrf": csrf, "created": now, "address": address})
        pipe.expire(key, self.settings.session_idle_s)
        pipe.sadd(staff_sessions_key(login), session_id)
        pipe.expire(staff_sessions_key(login), self.settings.session_absolute_s)
        await pipe.execute()
        if self.hasher.needs_rehash(record["hash"]):
            await self.redis.hset(staff_key(login), "hash", await self._hash(password))
        return self._staff(record, session_id, csrf)

    @staticmethod
    def _staff(record: dict[str, str], session_id: str, csrf: str) -> Staff:
        return Staff(
            login=record["login"],
            name=record["name"],
            role=Role(record["role"]),
            sites=tuple(msgspec.json.decode(record.get("sites") or "[]")),
            session_id=session_id,
            csrf=csrf,
        )

    async def session(self, session_id: str) -> Staff | None:
        """The staff member of a live session (and the session's idle timer restarts), or None."""
        if not session_id or len(session_id) > 128:
            return None
        key = session_key(session_id)
        raw: dict[Any, Any] = await self.redis.hgetall(key)
        sess = {_text(k): _text(v) for k, v in raw.items()}
        if not sess.get("login"):
            return None
        if int(time.time()) - int(sess.get("created", "0")) > self.settings.session_absolute_s:
            await self.logout(session_id)
            return None
        record = await self.staff_record(sess["login"])
        if record is None or record.get("disabled") == "1":
            await self.logout(session_id)
            return None
        await self.redis.expire(key, self.settings.session_idle_s)
        return self._staff(record, session_id, sess["csrf"])

    async def logout(self, session_id: str) -> None:
        key = session_key(session_id)
        login = await self.redis.hget(key, "login")
        await self.redis.delete(key)
        if login:
            await self.redis.srem(staff_sessions_key(_text(login)), session_id)
        await self.publish("session", session_id)

    async def end_sessions(self, login: str) -> None:
        for sid in await self.redis.smembers(staff_sessions_key(login)):
            await self.logout(_text(sid))

    # ---- devices -----------------------------------------------------------------------------

    async def add_device(self, site: str, kind: DeviceKind, name: str) -> dict[str, Any]:
        """Register a kiosk or board PC: returns its id, a bearer token and a one-time pairing code."""
        if not name.strip() or len(name) > 64:
            raise errors.ValidationFailed("the device name must have 1-64 characters")
        device_id = f"{kind.value}-{secrets.token_hex(4)}"
        token = secrets.token_urlsafe(32)
        code = secrets.token_urlsafe(16)
        record: dict[Any, Any] = {
            "id": device_id,
            "site": site,
            "kind": kind.value,
            "name": name.strip(),
            "csrf": secrets.token_urlsafe(24),
            "revoked": "0",
            "tokens": msgspec.json.encode([digest(token)]).decode(),
            "created_at": str(int(time.time())),
        }
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(device_key(device_id), mapping=record)
        pipe.sadd(DEVICE_INDEX, device_id)
        pipe.set(device_token_key(digest(token)), device_id)
        pipe.set(pairing_key(digest(code)), device_id, ex=self.settings.pairing_ttl_s)
        await pipe.execute()
        return {**self.public_device(record), "token": token, "pairing_code": code}

    @staticmethod
    def public_device(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": record["id"],
            "site": record["site"],
            "kind": record["kind"],
            "name": record["name"],
            "revoked": record.get("revoked") == "1",
        }

    async def device_record(self, device_id: str) -> dict[str, str] | None:
        raw: dict[Any, Any] = await self.redis.hgetall(device_key(device_id))
        record = {_text(k): _text(v) for k, v in raw.items()}
        return record if record.get("id") else None

    async def list_devices(self) -> list[dict[str, Any]]:
        ids = sorted(_text(x) for x in await self.redis.smembers(DEVICE_INDEX))
        out = []
        for device_id in ids:
            record = await self.device_record(device_id)
            if record:
                out.append(self.public_device(record))
        return out

    async def device_by_token(self, token: str) -> Device | None:
        if not token or len(token) > 128:
            return None
        device_id = await self.redis.get(device_token_key(digest(token)))
        if device_id is None:
            return None
        record = await self.device_record(_text(device_id))
        if record is None or record.get("revoked") == "1":
            return None
        return Device(
            id=record["id"], site=record["site"], kind=DeviceKind(record["kind"]), name=record["name"],
            csrf=record["csrf"],
        )  # fmt: skip

    async def pair(self, code: str) -> tuple[Device, str]:
        """Consume a pairing code: a new token for the device (set as its cookie by the caller)."""
        device_id = await self.redis.getdel(pairing_key(digest(code))) if 0 < len(code) <= 128 else None
        record = await self.device_record(_text(device_id)) if device_id else None
        if record is None or record.get("revoked") == "1":
            raise errors.NotFound("this pairing link is not valid (it works once, within a day)")
        token = secrets.token_urlsafe(32)
        tokens = [*msgspec.json.decode(record.get("tokens") or "[]"), digest(token)]
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(device_token_key(digest(token)), record["id"])
        pipe.hset(device_key(record["id"]), "tokens", msgspec.json.encode(tokens).decode())
        await pipe.execute()
        device = await self.device_by_token(token)
        assert device is not None
        return device, token

    async def new_pairing_code(self, device_id: str) -> str:
        record = await self.device_record(device_id)
        if record is None or record.get("revoked") == "1":
            raise errors.NotFound(f"no active device {device_id!r}")
        code = secrets.token_urlsafe(16)
        await self.redis.set(pairing_key(digest(code)), device_id, ex=self.settings.pairing_ttl_s)
        return code

    async def revoke_device(self, device_id: str) -> None:
        record = await self.device_record(device_id)
        if record is None:
            raise errors.NotFound(f"no device {device_id!r}")
        pipe = self.redis.pipeline(transaction=True)
        for token_hash in msgspec.json.decode(record.get("tokens") or "[]"):
            pipe.delete(device_token_key(token_hash))
        pipe.hset(device_key(device_id), mapping={"revoked": "1", "tokens": "[]"})
        await pipe.execute()
        await self.publish("device", device_id)

    # ---- control channel ---------------------------------------------------------------------

    async def publish(self, kind: str, ident: str) -> None:
        await self.redis.publish(CONTROL_CHANNEL, msgspec.json.encode({"revoke": kind, "id": ident}))
