"""The store as a Redis Cluster and as a Sentinel group, and `serve --workers N` (DESIGN §1, docs/OPERATIONS.md).

Real parts only: redis-server processes on free loopback ports in temporary folders (three Cluster masters; a master,
a replica and three sentinels), `madoguchi serve` subprocesses run as the README runs them, HTTP and websocket
clients, a fake ESC/POS printer on loopback. Without redis-server these tests are skipped, saying so; in CI
(CI=true) they fail instead, since `.ci/run` installs it. The sentinels run as `redis-sentinel` when Debian's
package of that name is installed, else as `redis-server --sentinel` (the same program).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from websockets.asyncio.client import connect

from printers.fake import fake_printer_thread
from server.auth.accounts import Accounts
from server.auth.principals import DeviceKind, Role
from server.embedded import find_running, free_port
from server.queue.keys import SiteKeys
from server.storeclient import redis_client
from server.storeurl import parse_store_url
from tests.conftest import FAST_HASHER, Socket
from tests.integration.serving import ROOT, WEEKDAY_MORNING, Served, children, end, start_serve

pytestmark = pytest.mark.slow

REDIS_SERVER = shutil.which("redis-server")
SENTINEL = shutil.which("redis-sentinel")
PASSWORD = "pw-" + secrets.token_hex(12)
SERVICE = "madoguchi"
SITE = "city-hall"
OTHER_SITE = "tsuyazaki"
SERVICE_ID = "e-cert"
"""Offered at both sites."""


@pytest.fixture(scope="module", autouse=True)
def redis_binaries() -> None:
    if REDIS_SERVER is None:
        reason = "redis-server is not installed (apt install redis-server; it ships redis-sentinel too)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


# ---- Redis processes ---------------------------------------------------------------------------------------


class Node:
    """One redis-server (or sentinel) process with a config file of its own in ``folder``."""

    def __init__(self, folder: Path, lines: list[str], *, sentinel: bool = False) -> None:
        self.folder = folder
        self.port = free_port()
        self.sentinel = sentinel
        folder.mkdir(parents=True)
        conf = [f"port {self.port}", "bind 127.0.0.1", f'dir "{folder}"', "daemonize no", *lines]
        if not sentinel:
            conf += [f"requirepass {PASSWORD}", f"masterauth {PASSWORD}", "appendonly yes", "appendfsync always"]
        (folder / "redis.conf").write_text("\n".join(conf) + "\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Node:
        conf = str(self.folder / "redis.conf")
        if not self.sentinel:
            command = [REDIS_SERVER or "redis-server", conf]
        else:  # Debian's redis-sentinel package, or the same program told so
            command = [SENTINEL, conf] if SENTINEL else [REDIS_SERVER or "redis-server", conf, "--sentinel"]
        log = self.folder / "server.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=out)
        proc = self.proc

        def answers() -> bool:
            if proc.poll() is not None:
                pytest.fail(f"redis on port {self.port} ended:\n{log.read_text(errors='replace')[-2000:]}")
            return bool(self.client().ping())

        until(answers, f"redis on port {self.port} answers")
        return self

    def client(self) -> redis.Redis:
        password = None if self.sentinel else PASSWORD
        return redis.Redis(port=self.port, password=password, decode_responses=True, socket_timeout=2)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None:
            end(self.proc)


def until(check: Callable[[], Any], what: str, within: float = 30.0) -> Any:
    """Ask ``check`` until it answers something true (store errors count as not yet); fail naming ``what``."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except (redis.RedisError, OSError) as exc:
            last = exc
        time.sleep(0.05)
    pytest.fail(f"not within {within} s: {what} (last error: {last})")


@dataclass
class Cluster:
    masters: list[Node]

    @property
    def url(self) -> str:
        return f"redis+cluster://:{PASSWORD}@" + ",".join(f"127.0.0.1:{n.port}" for n in self.masters[:2])

    def node_of(self, site: str) -> Node:
        slot = self.masters[0].client().cluster("KEYSLOT", SiteKeys(site).events)
        for node in self.masters:
            if any(a <= slot <= b for a, b in _own_slots(node)):
                return node
        raise AssertionError(f"no master holds slot {slot}")

    def move_slot(self, site: str, target: Node) -> None:
        """Move the slot of ``site`` to ``target`` with its keys, as `redis-cli --cluster reshard` does."""
        source = self.node_of(site)
        src, dst = source.client(), target.client()
        slot = int(src.cluster("KEYSLOT", SiteKeys(site).events))
        src_id, dst_id = src.cluster("MYID"), dst.cluster("MYID")
        dst.cluster("SETSLOT", slot, "IMPORTING", src_id)
        src.cluster("SETSLOT", slot, "MIGRATING", dst_id)
        while keys := src.cluster("GETKEYSINSLOT", slot, 100):
            src.execute_command("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "AUTH", PASSWORD, "KEYS", *keys)
        for node in self.masters:
            node.client().cluster("SETSLOT", slot, "NODE", dst_id)
        until(lambda: self.node_of(site) is target, f"slot {slot} belongs to port {target.port}")


def _own_slots(node: Node) -> list[tuple[int, int]]:
    me = node.client().cluster("MYID")
    return [(int(r[0]), int(r[1])) for r in node.client().execute_command("CLUSTER", "SLOTS") if r[2][2] == me]


class ReplicationLink:
    """The replica's connection to its master, through loopback sockets of the test's own: ``cut`` drops what the
    master sends from then on (a slow or broken network between them), so the replica lacks the latest changes
    when the master dies. The sentinels reach the replica directly."""

    def __init__(self, master_port: int) -> None:
        self.master_port = master_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_off = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self.cut_off.set()

    def _accept(self) -> None:
        while True:
            try:
                replica, _ = self.listener.accept()
                master = socket.create_connection(("127.0.0.1", self.master_port))
            except OSError:
                return
            threading.Thread(target=self._pump, args=(master, replica, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(replica, master, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_master: bool) -> None:
        try:
            while data := source.recv(65536):
                if not (from_master and self.cut_off.is_set()):
                    target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


@dataclass
class SentinelGroup:
    master: Node
    replica: Node
    link: ReplicationLink
    sentinels: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        return (
            f"redis+sentinel://:{PASSWORD}@" + ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels) + f"/{SERVICE}"
        )

    def master_port(self) -> int:
        return int(self.sentinels[0].client().sentinel_get_master_addr_by_name(SERVICE)[1])


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    buses = [free_port() for _ in range(3)]  # given, not port + 10000: free ports may be above 55535
    settings = ["cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000"]
    nodes = [Node(tmp_path / f"cluster{i}", [*settings, f"cluster-port {bus}"]) for i, bus in enumerate(buses)]
    try:
        for node in nodes:
            node.start()
        share = 16384 // 3
        for i, node in enumerate(nodes):
            node.client().execute_command(
                "CLUSTER", "ADDSLOTSRANGE", i * share, 16383 if i == 2 else (i + 1) * share - 1
            )
        for node, bus in zip(nodes[1:], buses[1:], strict=True):
            nodes[0].client().cluster("MEET", "127.0.0.1", node.port, bus)
        for node in nodes:
            until(lambda node=node: "cluster_state:ok" in node.client().execute_command("CLUSTER", "INFO"),
                  f"cluster node {node.port} is ok")  # fmt: skip
        yield Cluster(nodes)
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture
def sentinel_group(tmp_path: Path) -> Iterator[SentinelGroup]:
    master = Node(tmp_path / "master", [])
    link = ReplicationLink(master.port)
    replica = Node(tmp_path / "replica", [f"replicaof 127.0.0.1 {link.port}"])
    monitor = [
        f"sentinel monitor {SERVICE} 127.0.0.1 {master.port} 2",
        f"sentinel auth-pass {SERVICE} {PASSWORD}",
        f"sentinel down-after-milliseconds {SERVICE} 1000",
        f"sentinel failover-timeout {SERVICE} 5000",
        f"sentinel known-replica {SERVICE} 127.0.0.1 {replica.port}",
    ]
    sentinels = [Node(tmp_path / f"sentinel{i}", monitor, sentinel=True) for i in range(3)]
    group = SentinelGroup(master, replica, link, sentinels)
    try:
        master.start()
        replica.start()
        until(lambda: replica.client().info("replication")["master_link_status"] == "up", "the replica is in sync")
        for s in sentinels:
            s.start()
        for s in sentinels:
            until(lambda s=s: s.client().sentinel_master(SERVICE)["num-other-sentinels"] == 2,
                  f"sentinel {s.port} knows the others")  # fmt: skip
            until(lambda s=s: s.client().execute_command("SENTINEL", "CKQUORUM", SERVICE), "quorum")
        yield group
    finally:
        for node in [*sentinels, replica, master]:
            node.stop()
        link.close()


# ---- madoguchi ---------------------------------------------------------------------------------------------


@dataclass
class People:
    """Who uses the servers in these tests: an operator (login, password), a kiosk and boards (bearer tokens)."""

    operator: dict[str, str]
    kiosks: dict[str, str]
    boards: dict[str, str]


async def seed(url: str) -> People:
    """Accounts and devices made in the store ``url`` names (any topology), as `madoguchi staff add` would."""
    store = redis_client(url)
    try:
        accounts = Accounts(store, FAST_HASHER)
        login, password = f"op-{secrets.token_hex(3)}", f"pw-{secrets.token_urlsafe(12)}"
        await accounts.add_staff(login, "窓口 テスト", Role.OPERATOR, (SITE, OTHER_SITE), password)
        devices = {}
        for kind in (DeviceKind.KIOSK, DeviceKind.BOARD):
            for site in (SITE, OTHER_SITE):
                devices[kind, site] = str((await accounts.add_device(site, kind, f"{kind.value} {site}"))["token"])
        return People(
            {"login": login, "password": password},
            kiosks={s: devices[DeviceKind.KIOSK, s] for s in (SITE, OTHER_SITE)},
            boards={s: devices[DeviceKind.BOARD, s] for s in (SITE, OTHER_SITE)},
        )
    finally:
        await store.aclose()


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    made: list[httpx.AsyncClient] = []

    def make(base_url: str, **headers: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=20.0)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
async def boards() -> AsyncIterator[Callable[[Served, str, str], Awaitable[Socket]]]:
    opened: list[Socket] = []

    async def board(served: Served, site: str, token: str) -> Socket:
        conn = await connect(
            f"{served.ws_url}/ws/v1/sites/{site}", additional_headers={"Authorization": f"Bearer {token}"},
            open_timeout=10,
        )  # fmt: skip
        sock = Socket(conn)
        opened.append(sock)
        assert (await sock.recv())["type"] == "snapshot"
        return sock

    yield board
    for sock in opened:
        await sock.close()


@pytest.fixture
def serve_on(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """`madoguchi serve` processes against ``MADOGUCHI_REDIS_URL``, each with a data dir of its own."""
    running: list[Served] = []

    def start(url: str, *args: str) -> Served:
        data_dir = tmp_path / f"serve{len(running)}"
        served = start_serve(ROOT, "--clock", WEEKDAY_MORNING, "--data-dir", str(data_dir), *args,
                             env={"MADOGUCHI_REDIS_URL": url})  # fmt: skip
        running.append(served)
        return served

    yield start
    for served in running:
        served.stop()
        print(f"---- serve on port {served.port} ----\n" + "".join(served.output))  # shown when a test fails


async def operator(make: Callable[..., httpx.AsyncClient], served: Served, people: People) -> httpx.AsyncClient:
    client = make(served.url)
    r = await client.post("/api/v1/auth/login", json=people.operator)
    assert r.status_code == 200, r.text
    client.headers["x-csrf-token"] = r.json()["csrf"]
    return client


async def issue_and_call(kiosk: httpx.AsyncClient, staff: httpx.AsyncClient, counter: str, site: str) -> str:
    """A kiosk ticket, called at ``counter`` and then marked a no-show (the counter is free again); returns its
    number."""
    r = await kiosk.post(f"/api/v1/sites/{site}/tickets", json={"service": SERVICE_ID, "print": False})
    assert r.status_code == 201, r.text
    issued = r.json()
    # the visitor's token (a key of no site, set in the issue's round trip) names the ticket on every topology
    status = await kiosk.get(f"/api/v1/tickets/by-token/{issued['token']}")
    assert status.status_code == 200 and status.json()["number"] == issued["number"], status.text
    r = await staff.post(f"/api/v1/counters/{counter}/call", json={"number": issued["number"]})
    assert r.status_code == 200, r.text
    ticket = r.json()
    r = await staff.post(f"/api/v1/tickets/{ticket['id']}/no-show")
    assert r.status_code == 200, r.text
    return str(ticket["number"])


def called(number: str) -> Callable[[dict[str, Any]], bool]:
    """A board message showing ``number`` called: the event, or a snapshot (after a resync) that lists it."""

    def check(msg: dict[str, Any]) -> bool:
        if msg.get("type") == "ticket.called":
            return bool(msg["ticket"]["number"] == number)
        calls = msg.get("state", {}).get("recent", []) if msg.get("type") == "snapshot" else []
        return any(c.get("number") == number for c in calls)

    return check


async def revoking_closes(url: str, token: str, board: Socket, servers: int) -> None:
    """Revoke the board's device in the store ``url`` names: the control channel (pub/sub) tells every server, and
    the one holding the board's socket closes it (4401)."""

    def subscribed() -> bool:
        return sum(int(n) for n in _control_subscribers(url)) >= servers

    until(subscribed, f"{servers} servers listen on the control channel")
    store = redis_client(url)
    try:
        accounts = Accounts(store, FAST_HASHER)
        device = await accounts.device_by_token(token)
        assert device is not None
        await accounts.revoke_device(device.id)
    finally:
        await store.aclose()
    await asyncio.wait_for(board.conn.wait_closed(), 10)
    assert board.conn.close_code == 4401


def _control_subscribers(url: str) -> list[int]:
    """Subscribers of the control channel on each master the URL names (a Cluster's, or the Sentinel master)."""
    from server.queue.keys import CONTROL_CHANNEL

    topology = parse_store_url(url)
    if topology.kind == "cluster":
        masters = [redis.Redis(host=h, port=p, password=PASSWORD) for h, p in topology.nodes]
    else:
        sentinel = redis.Redis(host=topology.nodes[0][0], port=topology.nodes[0][1], decode_responses=True)
        host, port = sentinel.sentinel_get_master_addr_by_name(topology.service)
        masters = [redis.Redis(host=host, port=int(port), password=PASSWORD)]
    return [int(dict(m.pubsub_numsub(CONTROL_CHANNEL)).get(CONTROL_CHANNEL.encode(), 0)) for m in masters]


async def open_counters(staff: httpx.AsyncClient, *counters: str) -> None:
    for counter in counters:
        r = await staff.post(f"/api/v1/counters/{counter}/open", json={"services": [SERVICE_ID]})
        assert r.status_code == 200, r.text


# ---- the Cluster -------------------------------------------------------------------------------------------


async def test_cluster_two_servers_share_the_queue_and_follow_a_moved_slot(
    cluster: Cluster, serve_on: Callable[..., Served], clients: Any, boards: Any
) -> None:
    people = await seed(cluster.url)
    a, b = serve_on(cluster.url), serve_on(cluster.url)
    staff = await operator(clients, a, people)
    wrong = await clients(b.url).post("/api/v1/auth/login", json={**people.operator, "password": "wrong-password"})
    assert wrong.status_code == 401  # a failed login counts in keys of two slots: an answer, not a 500
    await open_counters(staff, "ch-booth-1", "tz-1")
    kiosks = {site: clients(a.url, authorization=f"Bearer {token}") for site, token in people.kiosks.items()}

    # the two sites' slots are on two masters; both boards hang on server B, the tickets go through server A
    assert cluster.node_of(SITE) is not cluster.node_of(OTHER_SITE)
    board = await boards(b, SITE, people.boards[SITE])
    other = await boards(b, OTHER_SITE, people.boards[OTHER_SITE])
    number = await issue_and_call(kiosks[SITE], staff, "ch-booth-1", SITE)
    await board.until(called(number))
    number = await issue_and_call(kiosks[OTHER_SITE], staff, "tz-1", OTHER_SITE)
    await other.until(called(number))

    # City Hall's slot moves to the third master while its board listens: the reader follows it (MOVED)
    target = next(n for n in cluster.masters if n not in (cluster.node_of(SITE), cluster.node_of(OTHER_SITE)))
    cluster.move_slot(SITE, target)
    number = await issue_and_call(kiosks[SITE], staff, "ch-booth-1", SITE)
    await board.until(called(number))
    state = (
        await clients(b.url, authorization=f"Bearer {people.boards[SITE]}").get(f"/api/v1/sites/{SITE}/state")
    ).json()
    assert [c["number"] for c in state["recent"]][:1] == [number]  # server B reads the moved slot too

    ready = await clients(b.url).get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"], ready.text  # for the load balancer in front

    # a revocation goes out on the control channel: server B closes the Tsuyazaki board's socket at once
    await revoking_closes(cluster.url, people.boards[OTHER_SITE], other, servers=2)


# ---- the Sentinel group ------------------------------------------------------------------------------------


@dataclass
class Burst:
    """Kiosks issuing tickets as fast as they are answered, each touch retried with its idempotency key until it is
    answered (as kiosk.js does). After ``cut_after`` answers the replica stops receiving changes (``cut``); once
    every kiosk has sent a touch since, the master is killed (``kill``): without the replica's confirmation, the
    touches answered in between would be lost with it."""

    kiosks: list[httpx.AsyncClient]
    cut: Callable[[], None]
    kill: Callable[[], None]
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Idempotency key -> the ticket the server answered with."""
    cut_at: float = 0.0
    sent_since_cut: int = 0
    killed_at: float = 0.0
    back_at: float = 0.0
    """When the first touch sent after the kill was answered."""
    refused: int = 0
    """Answers 503 (or none) that were retried."""

    async def run(self, touches: int, cut_after: int) -> None:
        keys = iter(f"touch-{secrets.token_hex(4)}-{i}" for i in range(touches))

        async def kiosk(client: httpx.AsyncClient) -> None:
            for key in keys:
                await self.touch(client, key, cut_after)

        await asyncio.wait_for(asyncio.gather(*(kiosk(k) for k in self.kiosks)), 120)

    async def touch(self, client: httpx.AsyncClient, key: str, cut_after: int) -> None:
        body = {"service": SERVICE_ID, "idempotency_key": key, "print": False}
        while True:
            if self.cut_at and not self.killed_at:
                self.sent_since_cut += 1
                if self.sent_since_cut > len(self.kiosks):  # every kiosk has a touch in flight since the cut
                    self.kill()
                    self.killed_at = time.monotonic()
            sent = time.monotonic()
            try:
                r = await client.post(f"/api/v1/sites/{SITE}/tickets", json=body)
            except httpx.TransportError:
                r = None
            if r is not None and r.status_code in (200, 201):
                self.acknowledged[key] = r.json()
                if self.killed_at and not self.back_at and sent > self.killed_at:
                    self.back_at = time.monotonic()
                if len(self.acknowledged) == cut_after:
                    self.cut()
                    self.cut_at = time.monotonic()
                return
            assert r is None or r.status_code == 503, r.text
            self.refused += 1
            await asyncio.sleep(0.05)


async def test_sentinel_failover_mid_burst_loses_and_duplicates_no_acknowledged_ticket(
    sentinel_group: SentinelGroup, serve_on: Callable[..., Served], clients: Any, boards: Any
) -> None:
    group = sentinel_group
    people = await seed(group.url)
    a, b = serve_on(group.url), serve_on(group.url)
    staff = await operator(clients, a, people)
    await open_counters(staff, "ch-booth-1")
    board = await boards(b, SITE, people.boards[SITE])
    number = await issue_and_call(clients(a.url, authorization=f"Bearer {people.kiosks[SITE]}"), staff, "ch-booth-1",
                                  SITE)  # fmt: skip
    await board.until(called(number))
    again = await staff.post("/api/v1/counters/ch-booth-1/call", json={"number": number})
    assert again.json()["code"] == "invalid_transition"  # a refused change is told as such, also when confirmed
    assert again.status_code == 409

    old_master = group.master
    assert group.master_port() == old_master.port
    kiosks = [clients(s.url, authorization=f"Bearer {people.kiosks[SITE]}") for s in (a, b, a, b, a, b)]
    burst = Burst(kiosks, cut=group.link.cut, kill=old_master.kill)
    await burst.run(touches=150, cut_after=40)
    assert group.master_port() == group.replica.port  # the sentinels promoted the replica

    tickets = await staff.get(f"/api/v1/sites/{SITE}/tickets")
    assert tickets.status_code == 200, tickets.text
    stored = {t["id"]: t for t in tickets.json()}
    answered = {t["id"] for t in burst.acknowledged.values()}
    lost = answered - stored.keys()
    duplicated = len(stored) - 1 - len(answered)  # the one ticket called before the burst, then one per touch
    numbers = [t["number"] for t in stored.values()]
    print(
        f"failover: {len(burst.acknowledged)} touches answered, {burst.refused} refusals retried, lost {len(lost)}, "
        f"duplicated {duplicated}, first answer to a touch made after the kill {burst.back_at - burst.killed_at:.2f} s"
    )
    assert len(answered) == 150
    assert lost == set()
    assert duplicated == 0
    assert len(set(numbers)) == len(numbers)  # no number was given twice

    # both servers go on without a restart: a call made through A reaches the board on B, and a revocation made
    # on the new master closes the board's socket on B (the control channel followed the failover too)
    number = await issue_and_call(kiosks[0], staff, "ch-booth-1", SITE)
    await board.until(called(number))
    await revoking_closes(group.url, people.boards[SITE], board, servers=2)
    for served in (a, b):
        ready = await clients(served.url).get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"], ready.text


# ---- several processes on one port ---------------------------------------------------------------------------


async def touch(kiosk: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """A kiosk touch: the ticket, asked again with the same idempotency key while there is no answer (a worker
    killed under its connection) or a 503, as kiosk.js does."""
    body = {**body, "idempotency_key": f"touch-{secrets.token_hex(6)}"}
    for _ in range(100):
        try:
            r = await kiosk.post(f"/api/v1/sites/{SITE}/tickets", json=body)
        except httpx.TransportError:
            continue
        if r.status_code != 503:
            assert r.status_code in (200, 201), r.text  # 200: the touch that got no answer had made the ticket
            return dict(r.json())
        await asyncio.sleep(0.05)
    pytest.fail("the kiosk got no ticket in 100 tries")


def config_with_printer(path: Path, uri: str) -> Path:
    """The shipped configuration with one network printer at City Hall (the first site)."""
    text = (ROOT / "config" / "fukutsu.toml").read_text(encoding="utf-8")
    second_site = text.index("[[sites]]", text.index("[[sites]]") + 1)
    printer = f'[[sites.printers]]\nid = "p1"\nname = "発券プリンター"\nuri = "{uri}?timeout=0.5"\n\n'
    path.write_text(text[:second_site] + printer + text[second_site:], encoding="utf-8")
    return path


async def test_workers_share_one_port_survive_a_killed_worker_and_print_each_ticket_once(
    tmp_path: Path, clients: Any
) -> None:
    with fake_printer_thread() as (printer, loop):
        config = config_with_printer(tmp_path / "config.toml", printer.uri)
        data_dir = tmp_path / "var"
        served = start_serve(ROOT, "--workers", "2", "--clock", WEEKDAY_MORNING, "--data-dir", str(data_dir),
                             "--config", str(config))  # fmt: skip
        try:
            workers = until(lambda: len(pids := served.workers()) == 2 and pids, "two worker processes serve")
            assert len(children(served.proc.pid, "-server")) == 1  # one embedded store, started by the parent
            url = find_running(data_dir)
            assert url is not None
            people = await seed(url)
            kiosk = clients(served.url, authorization=f"Bearer {people.kiosks[SITE]}")

            jobs: list[str] = []
            store = redis.Redis.from_url(url, decode_responses=True)

            async def issue(n: int) -> list[str]:
                tickets = [await touch(kiosk, {"service": SERVICE_ID}) for _ in range(n)]
                jobs.extend(t["print_job"]["id"] for t in tickets)
                return [t["number"] for t in tickets]

            def settled() -> bool:  # the print worker has recorded every job as printed (none is left in flight)
                return all(store.hget(SiteKeys(SITE).print_job(job), "state") == "printed" for job in jobs)

            async def printed(n: int) -> None:
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(printer.wait_for_jobs(n, 30), loop))

            first = await issue(6)
            await printed(6)
            until(settled, "the first six jobs are recorded as printed")
            os.kill(workers[0], signal.SIGKILL)  # whichever it is, the port keeps answering
            second = await issue(6)
            until(
                lambda: len(pids := served.workers()) == 2 and workers[0] not in pids, "the killed worker is replaced"
            )
            await printed(12)  # by the worker that holds the printer's lock (taken over when its holder was killed)
            assert len(set(first + second)) == 12
            assert len(printer.printed) == 12  # each ticket once, though every worker runs print workers
            store.close()
        finally:
            served.stop()
