"""Staff accounts, sessions and devices in Redis.

Nothing secret is stored in the clear: passwords as argon2id hashes, session ids, device tokens, pairing codes
and the setup token as SHA-256 digests (a copy of the store's data lets nobody sign in as staff or a device).
Session ids are 256-bit random values chosen by the server at each login (a client-chosen or old id is never
reused: no session fixation). A session ends after ``session_idle_s`` without a request or ``session_absolute_s``
after login; every request tells its remaining life (``Staff.expires_in``), which the session and CSRF cookies
are given again with each answer, so both live exactly as long as the session. Failed logins slow down the
pair (login id, address) that failed, with delays that grow, instead of locking the account for everyone.
Revoking a device or disabling a staff
account takes effect at once: HTTP requests look a session up every time, a device token once per process while
that process follows the control channel (``server/auth/devicecache.py``), and a message on the control channel
makes every server process drop the device's token and close the websockets it holds for it.

A device's last request is remembered as ``seen`` on its record (``device_seen``): written at most once a minute
per device (the stored time is compared first; websocket pings also count, throttled per process), so the admin
page shows "last seen" without a store write on every request. A revoked device's token digests keep pointing at
its record, so its browser page can say it was revoked (``revoked_device``) rather than "never paired".
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from server.auth.devicecache import DeviceCache
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
from server.storeclient import transactions

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
SEEN_EVERY_S = 60
"""A device's ``seen`` time is written at most this often: last seen to the minute, not a write per request."""


@dataclass(frozen=True)
class AuthSettings:
    session_idle_s: int = 2 * 3600
    """A staff session ends after this long without a request."""
    session_absolute_s: int = 12 * 3600
    """... and this long after login whatever happens (one working day)."""
    free_failures: int = 3
    """Wrong passwords of one login id from one address before each further try must wait."""
    first_delay_s: int = 2
    """The wait after ``free_failures``; it doubles with every further failure ..."""
    max_delay_s: int = 15 * 60
    """... up to this."""
    failure_memory_s: int = 24 * 3600
    """A (login id, address) pair's failures are forgotten this long after its last one (or at a success)."""
    failures_per_address: int = 30
    throttle_window_s: int = 15 * 60
    """One address failing this often within the window (many login ids: guessing) waits out the window."""
    pairing_ttl_s: int = 24 * 3600
    setup_ttl_s: int = 7 * 24 * 3600


class Unauthorized(errors.DomainError):
    code = "unauthorized"
    status_code = 401


class Forbidden(errors.DomainError):
    code = "forbidden"
    status_code = 403


class WrongPassword(errors.DomainError):
    """The current password given to change it is wrong (400: the session is fine, the form is not)."""

    code = "wrong_password"
    status_code = 400


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


def login_delay(failures: int, s: AuthSettings) -> int:
    """Seconds the next try of a (login id, address) pair waits after ``failures`` wrong passwords."""
    if failures < s.free_failures:
        return 0
    return int(min(s.first_delay_s * 2 ** (failures - s.free_failures), s.max_delay_s))


class Accounts:
    def __init__(
        self,
        redis: Redis,
        hasher: Hasher | None = None,
        settings: AuthSettings | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.hasher = hasher or Hasher()
        self.settings = settings or AuthSettings()
        self.now = now
        """Seconds since the epoch: the server clock, so session lifetimes follow it (training, tests)."""
        self._seen_written: dict[str, int] = {}
        """When this process last wrote each device's ``seen`` (``device_seen``)."""
        self.device_cache = DeviceCache()
        """Device tokens this process read, used while ``device_cache.listen`` follows the revocations."""

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

    async def change_password(self, login: str, old: str, new: str, address: str, keep_session: str) -> None:
        """A person changes their own password: the current one must be right (wrong tries count like failed
        logins of that login id from that address, with the same growing waits); every other session of theirs
        ends, the one they are using stays."""
        wait = await self._throttled(login, address)
        if wait:
            raise RateLimited(f"too many wrong passwords; try again in {wait} seconds", retry_after=wait)
        record = await self.staff_record(login)
        if record is None:
            raise errors.NotFound(f"no login {login!r}")
        if not await asyncio.to_thread(self.hasher.verify, record["hash"], old):
            await self._fail(login, address)
            raise WrongPassword("the current password is wrong")
        try:
            check_policy(new, login)
        except PasswordPolicyError as exc:
            raise errors.ValidationFailed(str(exc)) from None
        await self.redis.hset(staff_key(login), "hash", await self._hash(new))
        kept = digest(keep_session)
        for ref in await self.redis.smembers(staff_sessions_key(login)):
            if _text(ref) != kept:
                await self._end_session(_text(ref))

    async def update_staff(
        self, login: str, *, name: str | None = None, role: Role | None = None, sites: tuple[str, ...] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Change an account's display name, role or sites; returns (before, after) as ``public_staff`` shows them.

        A new role or new sites end the account's sessions (and websockets) at once, like disabling it: nobody
        keeps, on an open page, a reach the account no longer has."""
        record = await self.staff_record(login)
        if record is None:
            raise errors.NotFound(f"no login {login!r}")
        before = self.public_staff(record)
        changes: dict[str, str] = {}
        if name is not None:
            if not name.strip() or len(name) > 64:
                raise errors.ValidationFailed("the display name must have 1-64 characters")
            changes["name"] = name.strip()
        if role is not None:
            changes["role"] = role.value
        if sites is not None:
            changes["sites"] = msgspec.json.encode(list(dict.fromkeys(sites))).decode()
        if changes:
            await self.redis.hset(staff_key(login), mapping=changes)  # type: ignore[arg-type]
        after = self.public_staff({**record, **changes})
        if (after["role"], after["sites"]) != (before["role"], before["sites"]):
            await self.end_sessions(login)
        if role is Role.ADMIN:
            await self.redis.delete(SETUP_TOKEN)
        return before, after

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

    @staticmethod
    def _pair(login: str, address: str) -> str:
        return digest(f"{login}\n{address}")

    async def _throttled(self, login: str, address: str) -> int:
        """Seconds this (login id, address) pair, or this address, must still wait before trying; 0 when free."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.ttl(throttle_key("wait", self._pair(login, address)))
        pipe.get(throttle_key("addr", address))
        pipe.ttl(throttle_key("addr", address))
        pair_wait, by_addr, addr_ttl = await pipe.execute()
        waits = [int(pair_wait)]
        if int(by_addr or 0) >= self.settings.failures_per_address:
            waits.append(int(addr_ttl))
        return max([max(w, 1) for w in waits if w != -2], default=0)

    async def _fail(self, login: str, address: str) -> None:
        s = self.settings
        pair = self._pair(login, address)
        failed, by_address = throttle_key("fail", pair), throttle_key("addr", address)

        def count_pair(pipe: Pipeline) -> None:
            pipe.incr(failed)
            pipe.expire(failed, s.failure_memory_s)

        def count_address(pipe: Pipeline) -> None:
            pipe.incr(by_address)
            pipe.expire(by_address, s.throttle_window_s, nx=True)

        failures, *_ = await transactions(self.redis, count_pair, count_address)
        if delay := login_delay(int(failures), s):
            await self.redis.set(throttle_key("wait", pair), "1", ex=delay)

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
        pair = self._pair(login, address)
        await self.redis.delete(throttle_key("fail", pair), throttle_key("wait", pair))
        if old_session:
            await self.logout(old_session)
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        now = int(self.now())
        key = session_key(digest(session_id))
        idle = self.settings.session_idle_s
        sessions = staff_sessions_key(login)

        def name_it(pipe: Pipeline) -> None:  # first: disabling the account finds every session that exists
            pipe.sadd(sessions, digest(session_id))
            pipe.expire(sessions, self.settings.session_absolute_s)

        def open_it(pipe: Pipeline) -> None:
            pipe.hset(key, mapping={"login": login, "csrf": csrf, "created": now, "seen": now, "address": address})
            pipe.expire(key, idle)

        await transactions(self.redis, name_it, open_it)
        if self.hasher.needs_rehash(record["hash"]):
            await self.redis.hset(staff_key(login), "hash", await self._hash(password))
        return self._staff(record, session_id, csrf, min(idle, self.settings.session_absolute_s))

    @staticmethod
    def _staff(record: dict[str, str], session_id: str, csrf: str, expires_in: int) -> Staff:
        return Staff(
            login=record["login"],
            name=record["name"],
            role=Role(record["role"]),
            sites=tuple(msgspec.json.decode(record.get("sites") or "[]")),
            session_id=session_id,
            csrf=csrf,
            expires_in=expires_in,
        )

    async def session(self, session_id: str) -> Staff | None:
        """The staff member of a live session, or None. The request counts as activity: the idle limit starts
        again, never beyond the absolute limit."""
        if not session_id or len(session_id) > 128:
            return None
        key = session_key(digest(session_id))
        raw: dict[Any, Any] = await self.redis.hgetall(key)
        sess = {_text(k): _text(v) for k, v in raw.items()}
        if not sess.get("login"):
            return None
        s = self.settings
        now = int(self.now())
        created = int(sess.get("created") or 0)
        seen = int(sess.get("seen") or created)
        if now - created >= s.session_absolute_s or now - seen >= s.session_idle_s:
            await self.logout(session_id)
            return None
        record = await self.staff_record(sess["login"])
        if record is None or record.get("disabled") == "1":
            await self.logout(session_id)
            return None
        expires_in = min(s.session_idle_s, created + s.session_absolute_s - now)
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(key, "seen", now)
        pipe.expire(key, expires_in)
        await pipe.execute()
        return self._staff(record, session_id, sess["csrf"], expires_in)

    async def logout(self, session_id: str) -> None:
        await self._end_session(digest(session_id))

    async def _end_session(self, ref: str) -> None:
        """End the session whose id hashes to ``ref`` and close its websockets in every process."""
        key = session_key(ref)
        login = await self.redis.hget(key, "login")
        await self.redis.delete(key)
        if login:
            await self.redis.srem(staff_sessions_key(_text(login)), ref)
        await self.publish("session", ref)

    async def end_sessions(self, login: str) -> None:
        for ref in await self.redis.smembers(staff_sessions_key(login)):
            await self._end_session(_text(ref))

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
        # the record first, the credentials that point to it last
        await transactions(
            self.redis,
            lambda pipe: pipe.hset(device_key(device_id), mapping=record),
            lambda pipe: pipe.sadd(DEVICE_INDEX, device_id),
            lambda pipe: pipe.set(device_token_key(digest(token)), device_id),
            lambda pipe: pipe.set(pairing_key(digest(code)), device_id, ex=self.settings.pairing_ttl_s),
        )
        return {**self.public_device(record), "token": token, "pairing_code": code}

    @staticmethod
    def public_device(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": record["id"],
            "site": record["site"],
            "kind": record["kind"],
            "name": record["name"],
            "revoked": record.get("revoked") == "1",
            "seen": int(record["seen"]) if record.get("seen") else None,
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
        token_digest = digest(token)
        record = self.device_cache.get(token_digest)
        if record is None:
            stamp = self.device_cache.stamp()
            device_id = await self.redis.get(device_token_key(token_digest))
            if device_id is None:
                return None
            record = await self.device_record(_text(device_id))
            if record is None or record.get("revoked") == "1":
                return None
            self.device_cache.put(stamp, token_digest, record)
        await self.device_seen(record["id"], int(record.get("seen") or 0))
        return Device(
            id=record["id"], site=record["site"], kind=DeviceKind(record["kind"]), name=record["name"],
            csrf=record["csrf"],
        )  # fmt: skip

    async def device_seen(self, device_id: str, stored: int | None = None) -> None:
        """Remember that the device made a request now, at most once per ``SEEN_EVERY_S``.

        ``stored``: the ``seen`` time its record holds (``device_by_token`` has just read it), so several server
        processes do not each write it; without it (a websocket ping) this process's own last write decides."""
        now = int(self.now())
        last = max(stored or 0, self._seen_written.get(device_id, 0))
        if now - last < SEEN_EVERY_S:
            return
        self._seen_written[device_id] = now
        await self.redis.hset(device_key(device_id), "seen", str(now))

    async def revoked_device(self, token: str) -> dict[str, Any] | None:
        """The device a token belonged to, if that device was revoked (its page says so); else None."""
        if not token or len(token) > 128:
            return None
        device_id = await self.redis.get(device_token_key(digest(token)))
        record = await self.device_record(_text(device_id)) if device_id is not None else None
        return self.public_device(record) if record is not None and record.get("revoked") == "1" else None

    async def pair(self, code: str) -> tuple[Device, str]:
        """Consume a pairing code: a new token for the device (set as its cookie by the caller)."""
        device_id = await self.redis.getdel(pairing_key(digest(code))) if 0 < len(code) <= 128 else None
        record = await self.device_record(_text(device_id)) if device_id else None
        if record is None or record.get("revoked") == "1":
            raise errors.NotFound("this pairing link is not valid (it works once, within a day)")
        token = secrets.token_urlsafe(32)
        tokens = [*msgspec.json.decode(record.get("tokens") or "[]"), digest(token)]
        await transactions(
            self.redis,
            lambda pipe: pipe.hset(device_key(record["id"]), "tokens", msgspec.json.encode(tokens).decode()),
            lambda pipe: pipe.set(device_token_key(digest(token)), record["id"]),
        )
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
        # The token digests stay, pointing at the revoked record: every request with them is refused
        # (``device_by_token`` checks ``revoked``), and the PC's page can tell that it was revoked.
        await self.redis.hset(device_key(device_id), "revoked", "1")
        self.device_cache.forget(device_id)  # this process refuses the token from now on, before it answers
        await self.publish("device", device_id)

    # ---- control channel ---------------------------------------------------------------------

    async def publish(self, kind: str, ident: str) -> None:
        await self.redis.publish(CONTROL_CHANNEL, msgspec.json.encode({"revoke": kind, "id": ident}))
