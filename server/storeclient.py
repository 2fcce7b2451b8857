"""The store's clients for every form of ``MADOGUCHI_REDIS_URL`` (DESIGN §1), and the scripts run through them.

- ``redis://``, ``rediss://``, ``unix://``: one server.
- ``redis+sentinel://[:pw@]h1:26379,h2:26379/SERVICE[/db]``: the master a Sentinel group names. Every new
  connection asks the sentinels where the master is, so after a failover the next command (and the fan-out's
  reconnect) reaches the new one; a connection still open to a demoted master fails and is opened again.
  Changes made by a store script are answered only once a replica has them (``WAIT``, see ``Script``).
  Query parameters: ``replicas=N`` (replicas that must confirm a change; default 1, 0 turns it off) and
  ``sentinel_password=...`` (when the sentinels ask for one of their own; the URL's password is the master's).
- ``redis+cluster://[:pw@]h1:6379,h2:6379``: a Redis Cluster (redis-py's cluster client). Every key of a site
  carries the hash tag ``{site}``, so each script runs on the one node that holds its site's slot, found by its
  first key and followed through MOVED when the slot moves; a script that node has not seen yet is loaded into
  every master at its NOSCRIPT and run again.

``redis_client`` returns a ``redis.asyncio.Redis`` for the first two forms and a ``RedisCluster`` for the third:
both answer every command, pipeline, script and pub/sub call the store makes, so the rest of the code takes
either under the ``Redis`` type. The few places where the two differ ask ``is_cluster``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import Connection, UnixDomainSocketConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedConnection
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import (
    NoScriptError,
    RedisClusterException,
    RedisClusterUnreachableError,
    ResponseError,
    SlotNotCoveredError,
)

from server.storeurl import Topology, parse_store_url

log = logging.getLogger("madoguchi.store")

POOL_SIZE = 256
POOL_WAIT_S = 5.0
"""A burst (a board reconnect storm, many kiosks at once) waits for a free connection instead of failing."""
WAIT_MS = 1000
"""How long a change waits for its replica's confirmation before the request answers 503 (Sentinel)."""
REPLICAS_CHECK_S = 1.0
"""How often the Sentinel master is asked how many replicas it has (``INFO replication``)."""


class NotReplicated(RedisConnectionError):
    """A change is made on the master but no replica confirmed it in time: the request answers 503 (a retry with
    the same idempotency or action key returns what the change did), never an acknowledgement a failover could
    take back."""


class CrossSlotKeys(ValueError):
    """A script was given keys of more than one hash slot: a Cluster cannot run it. A programming error, raised on
    every topology so the single-server tests find it too."""


# ---- connections -------------------------------------------------------------------------------------------


class _ClosedTransportIsConnectionError:
    """uvloop raises ``RuntimeError`` ("the handler is closed") when a command is written to a socket the
    store just closed (Redis killed mid-burst), where asyncio raises ``ConnectionError``; redis-py knows only
    the latter. Turned into the same, the command gets its retry and the request a 503, never a 500."""

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        try:
            await super().send_packed_command(command, check_health)  # type: ignore[misc]
        except RuntimeError as exc:
            await self.disconnect(nowait=True)  # type: ignore[attr-defined]
            raise RedisConnectionError(f"the connection to the store was closed: {exc}") from exc


class _Connection(_ClosedTransportIsConnectionError, Connection):
    pass


class _UnixConnection(_ClosedTransportIsConnectionError, UnixDomainSocketConnection):
    pass


class _SentinelConnection(_ClosedTransportIsConnectionError, SentinelManagedConnection):
    pass


class _BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """The Sentinel pool (each new connection goes to the master the sentinels name) that waits for a free
    connection like the single server's pool, instead of failing at once."""


class _MasterClient(Redis):
    """The master of a Sentinel group. Closing it closes its connections to the sentinels too."""

    sentinels: Sentinel | None = None
    replicas: int = 0
    """Replicas that confirm each change (the URL's ``replicas``)."""
    connected: int = -1
    """Replicas connected to the master when last asked (-1: not asked yet); asked again after ``REPLICAS_CHECK_S``."""
    checked_at: float = 0.0

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        if self.sentinels is not None:
            await self.sentinels.aclose()

    async def connected_replicas(self, *, now: bool = False) -> int:
        """Replicas connected to the master, asked at most every ``REPLICAS_CHECK_S`` unless ``now``."""
        if now or self.connected < 0 or time.monotonic() - self.checked_at > REPLICAS_CHECK_S:
            info: dict[str, Any] = await self.info("replication")
            connected = int(info.get("connected_slaves", 0))
            if (connected == 0) != (self.connected == 0):
                if connected == 0:
                    log.warning("the store's master has no replica: changes are answered without a copy elsewhere")
                elif self.connected == 0:
                    log.warning("the store's master has a replica again: changes are answered once it has them")
            self.connected, self.checked_at = connected, time.monotonic()
        return self.connected


def redis_client(
    url: str, *, blocking: bool = False, max_connections: int = POOL_SIZE, name: str | None = None
) -> Redis:
    """A client of the store ``url`` names, failing fast when it is down, so requests answer 503 instead of hanging.

    A connection found dead (the store restarted, a Sentinel failover) is retried once. Issuance always runs under
    an idempotency key, so a retry after a lost reply returns the same ticket; any other state change re-run after
    a lost reply is refused by the transition table rather than applied twice. ``blocking`` clients (XREAD BLOCK,
    BLMOVE, SUBSCRIBE) get no socket timeout. Each client has a pool of its own (per node on a Cluster): whoever
    waits on one client's connections never takes another's.
    """
    topology = parse_store_url(url)
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_connect_timeout": 2.0,
        "socket_timeout": None if blocking else 5.0,
        "health_check_interval": 0 if blocking else 1,
        "client_name": name or ("madoguchi-fanout" if blocking else "madoguchi"),
    }
    if topology.kind == "cluster":
        return _cluster(topology, options, max_connections)
    if topology.kind == "sentinel":
        return _master(topology, options, max_connections)
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=POOL_WAIT_S,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 1),
        connection_class=_UnixConnection if url.startswith("unix:") else _Connection,
        **options,
    )
    return Redis(connection_pool=pool)


def _master(topology: Topology, options: dict[str, Any], max_connections: int) -> Redis:
    sentinel = Sentinel(
        topology.nodes,
        sentinel_kwargs={
            "password": topology.sentinel_password, "socket_connect_timeout": 1.0, "socket_timeout": 1.0,
            "decode_responses": True,
        },
    )  # fmt: skip
    client = sentinel.master_for(
        topology.service,
        redis_class=_MasterClient,
        connection_pool_class=_BlockingSentinelPool,
        connection_class=_SentinelConnection,
        max_connections=max_connections,
        timeout=POOL_WAIT_S,
        username=topology.username,
        password=topology.password,
        db=topology.db,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 1),
        **options,
    )
    master = cast(_MasterClient, client)
    master.sentinels = sentinel
    master.replicas = topology.replicas
    return master


class ClusterUnreachable(RedisConnectionError):
    """No node of the Cluster answers, or a slot has no master: an outage like a single server's, so it answers
    503 and the fan-out retries, where redis-py raises an exception outside its ``RedisError`` family."""


class _Cluster(RedisCluster):
    """redis-py's cluster client, whose outages are connection errors like the other topologies'."""

    async def initialize(self, *args: Any, **kwargs: Any) -> RedisCluster:
        try:
            return await super().initialize(*args, **kwargs)
        except (RedisClusterUnreachableError, SlotNotCoveredError) as exc:
            raise ClusterUnreachable(str(exc)) from exc
        except RedisClusterException as exc:  # "cannot be connected", "all slots are not covered"
            raise ClusterUnreachable(str(exc)) from exc

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute_command(*args, **kwargs)
        except (RedisClusterUnreachableError, SlotNotCoveredError) as exc:
            raise ClusterUnreachable(str(exc)) from exc


def _cluster(topology: Topology, options: dict[str, Any], max_connections: int) -> Redis:
    cluster = _Cluster(
        startup_nodes=[ClusterNode(host, port) for host, port in topology.nodes],
        username=topology.username,
        password=topology.password,
        max_connections=max_connections,
        # a node that went away: the topology is read again and the command retried on the slot's new master
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
        **options,
    )
    return cast(Redis, cluster)


def is_cluster(client: Redis) -> bool:
    return isinstance(client, RedisCluster)


async def persistence(client: Redis) -> list[tuple[str, str, str]]:
    """(node, appendonly, appendfsync) of every master: the one server or the Sentinel master (node ""), each Cluster
    master (its host:port)."""
    if not isinstance(client, RedisCluster):
        return [("", *await _aof(lambda name: client.config_get(name)))]
    cluster: RedisCluster = client
    await cluster.initialize()
    found = []
    for node in cluster.get_primaries():
        found.append((node.name, *await _aof(lambda name, node=node: cluster.config_get(name, target_nodes=node))))
    return found


async def _aof(config_get: Callable[[str], Awaitable[dict[Any, Any]]]) -> tuple[str, str]:
    appendonly = (await config_get("appendonly")).get("appendonly", "")
    return appendonly, (await config_get("appendfsync")).get("appendfsync", "")


# ---- transactions and scripts --------------------------------------------------------------------------------


async def transactions(client: Redis, *steps: Callable[[Pipeline], object]) -> list[Any]:
    """Run ``steps``, each queueing commands on keys of one hash slot, as MULTI/EXEC transactions, and return the
    replies of every command in order.

    On one server or a Sentinel master all steps are one transaction (one round trip, all or nothing). A Cluster
    cannot run a transaction over several slots: there each step is a transaction of its own, run in the order
    given, so a step that other keys point to (a session's entry in its login's set) goes first.
    """
    if not is_cluster(client):
        pipe = client.pipeline(transaction=True)
        for step in steps:
            step(pipe)
        return await pipe.execute()
    replies: list[Any] = []
    for step in steps:
        pipe = client.pipeline(transaction=True)
        step(pipe)
        replies += await pipe.execute()
    return replies


def hash_tag(key: str) -> str:
    """What a Cluster hashes of ``key``: the text in its first ``{...}`` when not empty, else the whole key."""
    start = key.find("{")
    if start >= 0:
        end = key.find("}", start + 1)
        if end > start + 1:
            return key[start + 1 : end]
    return key


def check_one_slot(name: str, keys: list[str]) -> None:
    """``CrossSlotKeys`` unless every key of a script call hashes to one slot (one ``{site}`` tag)."""
    tags = {hash_tag(k) for k in keys}
    if len(tags) > 1:
        raise CrossSlotKeys(f"script {name}: keys of several hash slots ({', '.join(sorted(tags))})")


Command = tuple[Any, ...]
"""A store command as its words: ``("SET", key, value, "EX", 60)``."""


async def round_trip(client: Redis, commands: Sequence[Command]) -> list[Any]:
    """The replies of ``commands``, written together and read in order; an error reply is an exception in the list.

    On one server or a Sentinel master they go on one pooled connection as they are: a redis-py pipeline does the
    same with objects per call and command that cost the busiest route (a kiosk's issue) ≈ 50 µs of CPU. A
    connection that fails mid-way is dropped, as redis-py drops it, and the error raised: no reply is guessed. On a
    Cluster, whose commands go to the nodes of their keys, a pipeline sorts them out."""
    if isinstance(client, RedisCluster):
        pipe = client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        return cast(list[Any], await pipe.execute(raise_on_error=False))
    pool = client.connection_pool
    conn = await pool.get_connection()  # type: ignore[no-untyped-call]
    try:
        await conn.send_packed_command(conn.pack_commands(commands))
        replies: list[Any] = []
        for _ in commands:
            try:
                replies.append(await conn.read_response())
            except ResponseError as exc:
                replies.append(exc)
        return replies
    except BaseException:
        await conn.disconnect(nowait=True)
        raise
    finally:
        await pool.release(conn)


class Script:
    """One Lua script of the store, registered once per client.

    Run by EVALSHA on the node that holds its keys' slot (the one server, the Sentinel master, the Cluster node of
    its ``{site}``); a node without it (restarted, promoted, new in the Cluster) answers NOSCRIPT and is given the
    script before it runs again. Every call's keys must share one hash slot (``CrossSlotKeys``).

    Through a Sentinel master with ``replicas`` > 0, a script that ``writes`` sends ``WAIT n WAIT_MS`` on the same
    connection right after it, n being ``replicas`` or the replicas connected to the master if fewer: the answer
    goes out once a replica holds the change, so a failover to that replica loses nothing that was acknowledged.
    While the master has no replica connected (after a failover, until the old master returns as a replica) it
    answers alone, without waiting: there is nothing it could fail over to. A replica that is connected but does
    not confirm within ``WAIT_MS`` makes the change answer 503 (``NotReplicated``).
    """

    def __init__(self, client: Redis, name: str, source: str, *, writes: bool = True) -> None:
        self.name = name
        self.client = client
        self.writes = writes
        self._script: AsyncScript = client.register_script(source)
        self._master = client if writes and isinstance(client, _MasterClient) and client.replicas > 0 else None

    async def __call__(
        self,
        keys: list[str],
        args: list[Any],
        client: Pipeline | None = None,
        ahead: Sequence[Command] = (),
    ) -> Any:
        """The script's reply; with ``client`` (a pipeline) the call is queued there and the pipeline's reply holds
        it (a NOSCRIPT there: ``load`` and run the pipeline again). ``ahead``: commands of other keys that go in the
        same round trip, before the script (on a Cluster, to the nodes of their keys); an error of theirs is raised
        like the script's."""
        check_one_slot(self.name, keys)
        if client is not None:
            return await self._script(keys=keys, args=args, client=client)
        wanted = 0
        if self._master is not None:
            wanted = min(self._master.replicas, await self._master.connected_replicas())
        if wanted or ahead:
            return await self._pipelined(keys, args, ahead, wanted)
        return await self._script(keys=keys, args=args)

    async def load(self) -> None:
        """Load the script into every master (after a pipeline met NOSCRIPT)."""
        self._script.sha = await self.client.script_load(self._script.script)

    async def _pipelined(self, keys: list[str], args: list[Any], ahead: Sequence[Command], wanted: int) -> Any:
        """``ahead``, the script and (``wanted`` > 0: through a Sentinel master) its ``WAIT``, in one round trip."""
        for attempt in (1, 2):
            commands: list[Command] = [*ahead, ("EVALSHA", self._script.sha, len(keys), *keys, *args)]
            if wanted:
                commands.append(("WAIT", wanted, WAIT_MS))
            replies = await round_trip(self.client, commands)
            reply = replies[len(ahead)]
            if isinstance(reply, NoScriptError) and attempt == 1:
                await self.load()
                continue
            for failed in (r for r in replies[: len(ahead) + 1] if isinstance(r, Exception)):
                raise failed
            if not wanted:
                return reply
            acked = replies[len(ahead) + 1]
            if isinstance(acked, Exception):
                raise NotReplicated(f"the store did not say whether a replica has the change: {acked}")
            assert self._master is not None
            if int(acked) < wanted and int(acked) < await self._master.connected_replicas(now=True):
                raise NotReplicated("no replica confirmed the change in time; try again in a moment")
            return reply
        raise AssertionError("unreachable")  # pragma: no cover
