"""`skyshield serve` as a real process on loopback: ingest, picture, auth, pushing, audit."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from skyshield.server.audit import Checkpoint, load_or_create_key, verify_checkpoint_consistency
from skyshield.server.auth import TokenSigner
from skyshield.server.merkle import leaf_hash, verify_inclusion

from .conftest import ServerProcess, env, targets_scan

pytestmark = pytest.mark.slow
T0 = 1000.0  # exercise clock at the start of each test's plots [s]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ServerProcess(tmp_path_factory.mktemp("srv"),
                      extra=["--max-requests", "30", "--send-timeout", "0.5"])
    yield s
    s.stop()


def _set_clock(s: ServerProcess, t: float, rate: float = 1.0) -> None:
    with s.client("coord") as c:
        c.post("/api/clock", json={"t": t, "rate": rate}).raise_for_status()


def _wait_picture(c: httpx.Client, pred, timeout: float = 20.0) -> dict:  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        pic = c.get("/api/picture").json()
        if pred(pic):
            return pic
        time.sleep(0.2)
    raise AssertionError(f"picture never satisfied the condition: {pic}")


# ------------------------------------------------------------------------ ingest
def test_malformed_plots_are_named_counted_dropped_and_harmless(server: ServerProcess) -> None:
    """Good plots build the same tracks as a tracker fed only them; bad ones are refused."""
    from skyshield.picture.tracker import Tracker
    from skyshield.server.ingest import IngestStats, parse_batch, plots_from_models

    _set_clock(server, T0 - 1.0, rate=10.0)  # each scan arrives just after its time
    wall0 = time.monotonic()
    ref = Tracker()
    with server.client("feed") as c:
        for k in range(5):
            t = T0 + 10.0 * k
            time.sleep(max(0.0, wall0 + (t - T0 + 1.2) / 10.0 - time.monotonic()))
            good = targets_scan(6, t, sensor=1, seed=1)
            bad = [{**good[0], "lat": "north"}, {**good[1], "sigma_h_m": -5},
                   {**good[2], "sensor": 99}, {"t": t, "sensor": 2}]
            r = c.post("/api/plots", json={"plots": good[:3] + bad + good[3:]})
            assert r.status_code == 200, r.text
            a = r.json()
            assert (a["accepted"], a["rejected"]) == (6, 4)
            assert [e["field"] for e in a["errors"]] == ["lat", "sigma_h_m", "sensor", "lat"]
            assert [e["index"] for e in a["errors"]] == [3, 4, 5, 6]
            p, _, _ = parse_batch({"plots": good}, 3, IngestStats())
            ref.update(plots_from_models(p), t)
        r = c.post("/api/plots", json={"plots": [{"t": 1}]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sensor"
    with server.client("obs") as c:
        pic = _wait_picture(c, lambda p: len(p["tracks"]["number"]) >= 6)
        stats = c.get("/api/ingest").json()
    assert stats["rejected"] == {"1": 10, "99": 5, "2": 5, "unknown": 1}
    assert stats["accepted"]["1"] == 30
    want = ref.picture(pic["t"]).confirmed_only()
    got = pic["tracks"]
    from skyshield.geo.frame import THEATRE

    xy = THEATRE.to_xy(np.array(got["lat"]), np.array(got["lon"]))
    assert len(got["number"]) == len(want) == 6
    xy, wx = xy[np.argsort(xy[:, 0])], want.x[np.argsort(want.x[:, 0]), :2]
    assert np.abs(xy - wx).max() < 2.0  # metres (the wire rounds to 1e-5 deg)


def test_limits_refuse_big_bodies_big_batches_and_floods(server: ServerProcess) -> None:
    with server.client("feed2") as c:
        big = b'{"plots": [' + b" " * 2_100_000 + b"]}"
        r = c.post("/api/plots", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413
        r = c.post("/api/plots", json={"plots": [targets_scan(1, T0)[0]] * 5001})
        assert r.status_code == 422 and "at most 5000" in r.json()["detail"]
        tok = c.headers["Authorization"]

    async def flood() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, timeout=60,
                                     headers={"Authorization": tok}) as a:
            rs = await asyncio.gather(*[a.post("/api/plots", json={"plots": targets_scan(
                1, T0, seed=9)}) for _ in range(150)])
        return [r.status_code for r in rs]

    w0 = time.monotonic()
    codes = asyncio.run(flood())
    elapsed = time.monotonic() - w0
    # the bucket holds 2 s of the 30 requests/s limit and refills at that rate
    assert 429 in codes and codes.count(200) <= 60 + 30 * elapsed + 5, (codes, elapsed)
    with server.client("feed") as c:  # another client is not held back by that flood
        assert c.post("/api/plots", json={"plots": targets_scan(1, T0)}).status_code == 200


def test_websocket_ingest_answers_each_batch(server: ServerProcess) -> None:
    import websockets

    async def go() -> list[dict]:
        url = server.url.replace("http", "ws") + f"/ws/plots?token={server.token('feed')}"
        out = []
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"plots": targets_scan(3, T0, sensor=0, seed=3)}))
            out.append(json.loads(await ws.recv()))
            await ws.send("{not json")
            out.append(json.loads(await ws.recv()))
            bad = {**targets_scan(1, T0)[0], "alt_m": 1e9}
            await ws.send(json.dumps({"plots": [bad]}))
            out.append(json.loads(await ws.recv()))
        return out

    ok, junk, bad = asyncio.run(go())
    assert ok["status"] == 200 and ok["accepted"] == 3
    assert junk["status"] == 422 and "not JSON" in junk["detail"]
    assert bad["status"] == 422 and bad["errors"][0]["field"] == "alt_m"


# ------------------------------------------------------------------------ auth
def _bad_tokens(server: ServerProcess) -> dict[str, str]:
    key = load_or_create_key(server.key)
    real = TokenSigner.from_key(key)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = TokenSigner.from_key(Ed25519PrivateKey.generate())
    return {"none": "", "garbage": "not-a-token",
            "forged": other.issue("pl", "POL", "operator"),
            "expired": real.issue("pl", "POL", "operator", now=time.time() - 10, ttl_s=5)}


ENDPOINTS = [  # method, path, who may (None: any signed-in user)
    ("GET", "/api/me", None), ("GET", "/api/picture", "seer"), ("GET", "/api/state", "seer"),
    ("GET", "/api/messages?after=0", "seer"), ("GET", "/api/ingest", "seer"),
    ("GET", "/api/engagements", "seer"), ("GET", "/api/decisions", "seer"),
    ("GET", "/api/audit/entries?start=0&end=2", "seer"), ("POST", "/api/plots", "sensor"),
    ("POST", "/api/clock", "clock"), ("POST", "/api/engagements/0/approve", "operator"),
    ("POST", "/api/engagements/0/deny", "operator"),
]


def test_every_endpoint_refuses_bad_tokens(server: ServerProcess) -> None:
    for name, tok in _bad_tokens(server).items():
        for method, path, _ in ENDPOINTS:
            h = {"Authorization": f"Bearer {tok}"} if tok else {}
            body = {"plots": []} if path == "/api/plots" else {}
            r = httpx.request(method, server.url + path, headers=h, json=body, timeout=30.0)
            assert r.status_code == 401, (name, path, r.status_code, r.text)


def test_roles_are_enforced(server: ServerProcess) -> None:
    may = {"seer": {"pl", "ro", "coord", "obs"}, "sensor": {"feed"}, "clock": {"coord", "feed"},
           "operator": {"pl", "ro"}}
    for user in ("pl", "coord", "obs", "feed"):
        with server.client(user) as c:
            for method, path, need in ENDPOINTS:
                if need is None or path.endswith(("/approve", "/deny")):
                    continue
                body = ({"plots": []} if path == "/api/plots" else
                        {"rate": 1.0} if path == "/api/clock" else {})
                r = c.request(method, path, json=body)
                if user in may[need]:
                    assert r.status_code not in (401, 403), (user, path, r.text)
                else:
                    assert r.status_code == 403, (user, path, r.status_code)
    for user in ("coord", "obs", "feed"):  # no engagement may ever be decided by them
        with server.client(user) as c:
            assert c.post("/api/engagements/0/approve").status_code == 403


def test_websockets_refuse_bad_tokens(server: ServerProcess) -> None:
    import websockets

    async def code(path: str, tok: str) -> int | None:
        url = server.url.replace("http", "ws") + f"{path}?token={tok}"
        try:
            async with websockets.connect(url) as ws:
                await ws.recv()
        except websockets.ConnectionClosed as e:
            return e.rcvd.code if e.rcvd else None
        except websockets.InvalidStatus as e:
            return e.response.status_code
        return None

    bad = _bad_tokens(server)
    for tok in bad.values():
        for path in ("/ws/live", "/ws/plots"):
            assert asyncio.run(code(path, tok)) in (1008, 403)
    assert asyncio.run(code("/ws/plots", server.token("pl"))) in (1008, 403)  # not a sensor
    assert asyncio.run(code("/ws/live", server.token("feed"))) in (1008, 403)  # sees nothing


# ------------------------------------------------------------------------ pushing
def _seq(text: str) -> int:
    return json.loads(text)["seq"]


def test_resume_from_the_last_number(server: ServerProcess) -> None:
    import websockets

    tok = server.token("obs")
    ws_url = server.url.replace("http", "ws") + f"/ws/live?token={tok}"

    async def first(n: int, after: int | None = None) -> list[int]:
        url = ws_url + (f"&after={after}" if after is not None else "")
        async with websockets.connect(url, max_size=None) as ws:
            return [_seq(await ws.recv()) for _ in range(n)]

    got = asyncio.run(first(2))
    last = got[-1]
    with server.client("feed") as c:  # messages the client misses while away
        for k in range(3):
            c.post("/api/plots", json={"plots": targets_scan(2, T0 + k, seed=5)})
    with server.client("obs") as c:  # poll until the server has pushed them
        end = time.monotonic() + 30
        while time.monotonic() < end:
            back = c.get(f"/api/messages?after={last}").json()
            if sum(m["type"] == "picture" for m in back["messages"]) >= 3:
                break
            time.sleep(0.1)
    seqs = [m["seq"] for m in back["messages"]]
    assert back["complete"] and seqs[0] == last + 1 and seqs == list(range(last + 1,
                                                                           last + 1 + len(seqs)))
    resumed = asyncio.run(first(3, after=last))
    assert resumed == [last + 1, last + 2, last + 3]


def _frozen_client(server: ServerProcess, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", server.port))
    key = base64.b64encode(b"frozen-client-16").decode()
    s.sendall((f"GET /ws/live?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0]
    return s


def test_a_frozen_client_is_dropped_and_never_stalls_the_others(server: ServerProcess) -> None:
    import websockets

    tok = server.token("obs")
    n0 = len(httpx.get(server.url + "/healthz", timeout=30.0).json()["dropped"])
    frozen = _frozen_client(server, tok)
    with server.client("coord") as c:
        c.post("/api/clock", json={"t": T0 + 3000, "rate": 1.0})
    got: list[int] = []

    async def reader(n_batches: int) -> None:
        url = server.url.replace("http", "ws") + f"/ws/live?token={tok}"
        auth = {"Authorization": f"Bearer {server.token('feed')}"}
        async with websockets.connect(url, max_size=None) as ws, httpx.AsyncClient(
                base_url=server.url, headers=auth) as http:
            after_drop = 0
            for k in range(n_batches):  # 2000 tracks: pictures of ~200 kB each
                await http.post("/api/plots", json={"plots": targets_scan(
                    2000, T0 + 3000 + 2 * k, sensor=0, seed=k, lat0=48.5)})
                while True:
                    try:
                        got.append(_seq(await asyncio.wait_for(ws.recv(), 0.05)))
                    except TimeoutError:
                        break
                if after_drop or len((await http.get("/healthz")).json()["dropped"]) > n0:
                    after_drop += 1  # the frozen one is gone: the others go on, no gap
                    if after_drop > 3 and k >= 10:
                        break
            end = time.monotonic() + 3
            while time.monotonic() < end:
                try:
                    got.append(_seq(await asyncio.wait_for(ws.recv(), 0.3)))
                except TimeoutError:
                    break

    try:
        asyncio.run(reader(40))
        health = httpx.get(server.url + "/healthz", timeout=30.0).json()
    finally:
        frozen.close()
    assert any("too slow" in why for _, why in health["dropped"]), health
    assert len(got) >= 10 and got == list(range(got[0], got[0] + len(got)))  # no gap, no stall


# ------------------------------------------------------------------------ audit
def test_nation_client_checks_consistency_and_inclusion(server: ServerProcess) -> None:
    with server.client("pl") as c:
        key_pem = c.get("/api/audit/key").json()["public_key_pem"]
        from cryptography.hazmat.primitives import serialization

        pub = serialization.load_pem_public_key(key_pem.encode())
        kept = Checkpoint.from_json(c.get("/api/audit/checkpoint").json())
    with server.client("feed") as f:
        for k in range(3):
            f.post("/api/plots", json={"plots": targets_scan(2, T0 + k, seed=7)})
    with server.client("pl") as c:  # reconnect: the new checkpoint must extend the kept one
        new = Checkpoint.from_json(c.get("/api/audit/checkpoint").json())
        assert new.size > kept.size
        proof = c.get(f"/api/audit/consistency?first={kept.size}&second={new.size}").json()
        verify_checkpoint_consistency(kept, new, [base64.b64decode(h) for h in proof["proof"]],
                                      pub)
        entries = c.get(f"/api/audit/entries?start=0&end={new.size}").json()["entries"]
        for e in entries[:: max(1, len(entries) // 10)]:
            inc = c.get(f"/api/audit/inclusion?index={e['seq']}&size={new.size}").json()
            verify_inclusion(e["seq"], new.size, leaf_hash(base64.b64decode(e["data"])),
                             [base64.b64decode(h) for h in inc["proof"]], new.root)
        kinds = {json.loads(base64.b64decode(e["data"]))["kind"] for e in entries}
        assert {"start", "plots"} <= kinds


def _verify_cli(db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "skyshield.cli", "audit", "verify", db, *args],
                          env=env(), capture_output=True, text=True, timeout=120)


def test_audit_verify_names_the_tampered_entry(server: ServerProcess, tmp_path: Path) -> None:
    """`skyshield audit verify` on a copy of the running server's database (SQLite's backup
    API: a consistent snapshot), untouched and then with one plot batch's entry changed."""
    import shutil

    with server.client("feed") as c:
        for k in range(4):
            c.post("/api/plots", json={"plots": targets_scan(2, T0 + k)}).raise_for_status()
    db, key = tmp_path / "copy.db", tmp_path / "copy.key"
    shutil.copy(server.key, key)  # the key without the server's (later) checkpoint file
    with sqlite3.connect(server.db) as live, sqlite3.connect(db) as snap:
        live.backup(snap)
    ok = _verify_cli(str(db), "--key", str(key))
    assert ok.returncode == 0 and "entries verify" in ok.stdout, ok.stdout + ok.stderr
    snap = sqlite3.connect(db)
    seq, raw = snap.execute("SELECT seq, data FROM audit WHERE kind = 'plots' ORDER BY seq "
                            "DESC LIMIT 1").fetchone()
    data = json.loads(raw)
    data["n"] += 1
    snap.execute("UPDATE audit SET data = ? WHERE seq = ?",
                 (json.dumps(data, sort_keys=True, separators=(",", ":")).encode(), seq))
    snap.commit()
    snap.close()
    bad = _verify_cli(str(db), "--key", str(key))
    assert bad.returncode == 1 and f"entry {seq} changed" in bad.stderr, bad.stderr


def test_postgres_backend(server_factory, pg_url: str, tmp_path: Path) -> None:
    s = server_factory(workdir=tmp_path, db=pg_url)
    with s.client("feed") as c:
        for k in range(3):
            c.post("/api/plots", json={"plots": targets_scan(2, T0 + k)}).raise_for_status()
    s.stop()
    r = _verify_cli(pg_url, "--key", str(s.key))
    assert r.returncode == 0 and "entries verify" in r.stdout, r.stdout + r.stderr


def test_feed_plays_a_raid_into_the_server(server: ServerProcess, tmp_path: Path) -> None:
    """`skyshield feed` (bounded: 1 scenario minute at x20) posts the raid's plots."""
    r = subprocess.run(
        [sys.executable, "-m", "skyshield.cli", "feed", "western-night", "--to", server.url,
         "--speed", "20", "--start", "04:20", "--minutes", "1", "--user", "feed",
         "--password", "feed-secret"],
        env=env(), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    n = int(r.stdout.split("fed ")[1].split(" plots")[0].replace(",", ""))
    assert n > 20 and "(0 refused" in r.stdout
    with server.client("obs") as c:
        clock = c.get("/api/clock").json()
        assert clock["rate"] == 20.0 and 15_600 <= clock["t"] <= 15_600 + 600
        assert c.get("/api/ingest").json()["accepted"]
    bad = subprocess.run(
        [sys.executable, "-m", "skyshield.cli", "feed", "western-night", "--to", server.url,
         "--minutes", "1", "--user", "feed", "--password", "wrong"],
        env=env(), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert bad.returncode == 1 and "refused" in bad.stderr
