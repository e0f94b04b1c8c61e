"""Engagements through the live server: proposals from the simulation's Decider, national
approval only by the aircraft's nation, durable approvals, orders only when approved."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import ServerProcess, env, targets_scan

pytestmark = pytest.mark.slow

LVIV_WEST = {"lat0": 49.85, "lon0": 23.95}  # Ukraine, inside POL's 150 km zone
BUKOVINA = {"lat0": 48.33, "lon0": 25.95}  # Ukraine near Chernivtsi, inside ROU's 120 km
T0 = 600.0


def raid(s: ServerProcess, n_pl: int = 3, n_ro: int = 2, scans: int = 6, rate: float = 1.0
         ) -> None:
    """Drones near Lviv and near Chernivtsi, `scans` scans 10 s apart ending at T0, the
    exercise clock then running at `rate`. The scans stop at T0: the tracks coast 45 s of
    exercise time, then end, and the core withdraws their pending engagements."""
    with s.client("coord") as c:
        c.post("/api/clock", json={"t": T0, "rate": rate}).raise_for_status()
    with s.client("feed") as c:
        for k in range(scans):
            t = T0 - 10.0 * (scans - 1 - k)
            plots = targets_scan(n_pl, t, sensor=0, seed=k, **LVIV_WEST)
            plots += targets_scan(n_ro, t, sensor=2, seed=100 + k, **BUKOVINA)
            c.post("/api/plots", json={"plots": plots}).raise_for_status()


def pending(c: httpx.Client, nation: str | None = None, n: int = 1, timeout: float = 40.0
            ) -> list[dict]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        es = [e for e in c.get("/api/engagements").json()["engagements"]
              if e["state"] == "pending" and (nation is None or e["nation"] == nation)]
        if len(es) >= n:
            return es
        time.sleep(0.3)
    raise AssertionError(f"no {n} pending {nation} engagements after {timeout} s")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    s = ServerProcess(tmp_path_factory.mktemp("live"))
    raid(s, rate=0.5)  # the tests share its proposals: half speed keeps them 90 s of wall time
    yield s
    s.stop()


def test_the_decider_proposes_with_explanations(live: ServerProcess) -> None:
    with live.client("obs") as c:
        pl = pending(c, "POL")
        ro = pending(c, "ROU")
    from skyshield.model.loader import load_scenario

    rules = load_scenario("western-night").rules
    for e in pl + ro:
        x = e["explanation"]
        assert x["rule"].startswith("allowed") and x["track"] and x["weapon"]
        window = rules[e["nation"]].approval.delay_s  # the scenario's approval window
        assert e["deadline"] == pytest.approx(e["t_asked"] + window)
        assert e["actionable"] is False  # an observer decides nothing
    with live.client("pl") as c:
        mine = {e["id"]: e["actionable"] for e in c.get("/api/engagements").json()["engagements"]
                if e["state"] == "pending"}
    assert all(mine[e["id"]] for e in pl) and not any(mine[e["id"]] for e in ro)


def test_no_one_but_the_nation_decides_whatever_the_request_says(live: ServerProcess) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from skyshield.server.audit import load_or_create_key
    from skyshield.server.auth import TokenSigner

    with live.client("obs") as c:
        ro = pending(c, "ROU")[0]
        pl = pending(c, "POL")[0]
        n_audit = len(c.get("/api/audit/entries?start=0").json()["entries"])
    real = TokenSigner.from_key(load_or_create_key(live.key))
    forged = TokenSigner.from_key(Ed25519PrivateKey.generate())
    tokens = {  # who tries, and the status they must get
        "pl": (live.token("pl"), 403), "sk": (live.token("sk"), 403),
        "coord": (live.token("coord"), 403), "obs": (live.token("obs"), 403),
        "feed": (live.token("feed"), 403),
        "forged-ro": (forged.issue("ro", "ROU", "operator"), 401),
        "expired-ro": (real.issue("ro", "ROU", "operator", now=time.time() - 100, ttl_s=10), 401),
    }
    for who, (tok, want) in tokens.items():
        for verdict in ("approve", "deny"):
            for body in (None, {"note": "ok"}, {"nation": "POL", "note": ""}):
                r = httpx.post(f"{live.url}/api/engagements/{ro['id']}/{verdict}",
                               headers={"Authorization": f"Bearer {tok}"}, json=body, timeout=30.0)
                assert r.status_code == want, (who, verdict, body, r.text)
    r = httpx.post(f"{live.url}/api/engagements/{pl['id']}/approve",
                   headers={"Authorization": f"Bearer {live.token('ro')}"}, timeout=30.0)
    assert r.status_code == 403
    with live.client("obs") as c:
        now = {e["id"]: e for e in c.get("/api/engagements").json()["engagements"]}
        assert now[ro["id"]]["state"] in ("pending", "expired")  # untouched by any of that
        assert now[pl["id"]]["state"] in ("pending", "expired")
        kinds = [json.loads(__import__("base64").b64decode(e["data"]))["kind"]
                 for e in c.get(f"/api/audit/entries?start={n_audit}").json()["entries"]]
    assert "approval" not in kinds and "denial" not in kinds


def test_approval_is_recorded_and_only_then_the_order_goes(live: ServerProcess) -> None:
    with live.client("pl") as c:
        e = pending(c, "POL")[0]
        r = c.post(f"/api/engagements/{e['id']}/approve", json={"note": "cleared"})
        assert r.status_code == 200, r.text
        ack = r.json()
        assert ack["engagement"]["state"] == "approved" and ack["engagement"]["decided_by"] == "pl"
        assert ack["checkpoint"]["size"] > ack["audit_seq"]
        again = c.post(f"/api/engagements/{e['id']}/deny")
        assert again.status_code == 409
        d = c.get("/api/decisions?nation=POL").json()["decisions"]
        rec = [x for x in d if x["engagement"] == e["id"]]
        assert rec and rec[0]["action"] == "approval" and rec[0]["user"] == "pl"
        assert rec[0]["track"] == e["track"] and rec[0]["aircraft"] == e["aircraft"]
        assert json.loads(rec[0]["detail"])["rule"] == e["explanation"]["rule"]
        entry = c.get(f"/api/audit/entries?start={ack['audit_seq']}&end="
                      f"{ack['audit_seq'] + 1}").json()["entries"][0]
    import base64

    body = json.loads(base64.b64decode(entry["data"]))
    assert body["kind"] == "approval" and body["by"] == "pl"
    assert body["explanation_shown"]["rule"] == e["explanation"]["rule"]


def test_an_unanswered_request_expires_after_the_window(live: ServerProcess) -> None:
    with live.client("obs") as c:
        e = pending(c, "ROU")[0]
    with live.client("coord") as c:  # jump the exercise clock past the window
        c.post("/api/clock", json={"t": e["deadline"] + 1.0}).raise_for_status()
    with live.client("ro") as c:
        end = time.monotonic() + 20
        while time.monotonic() < end:
            st = {x["id"]: x for x in c.get("/api/engagements").json()["engagements"]}[e["id"]]
            if st["state"] == "expired":
                break
            time.sleep(0.3)
        assert st["state"] == "expired"
        r = c.post(f"/api/engagements/{e['id']}/approve")
        assert r.status_code == 409 and "expired" in r.text
        d = c.get("/api/decisions?nation=ROU").json()["decisions"]
        assert any(x["engagement"] == e["id"] and x["action"] == "expiry" for x in d)


def test_a_withdrawn_engagement_cannot_be_approved(live: ServerProcess) -> None:
    """The track of a pending engagement ends: the core withdraws the request, the queue
    drops it, an operator's approval is refused (409), and the log records a withdrawal
    and still verifies. (After the expiry test: it moves the clock on.)"""
    import base64

    from skyshield.geo.frame import THEATRE

    with live.client("coord") as c:  # on past everything earlier tests left pending
        t2 = c.get("/api/clock").json()["t"] + 200.0
        c.post("/api/clock", json={"t": t2}).raise_for_status()
    with live.client("obs") as c:  # the earlier tracks are gone from the picture
        end = time.monotonic() + 30
        while not ((pic := c.get("/api/picture").json())["t"] >= t2
                   and not pic["tracks"]["number"]):
            assert time.monotonic() < end, "the earlier tracks never ended"
            time.sleep(0.3)
    # fresh drones where the raid's were at T0 (targets_scan flies them west at 50 m/s)
    xy = THEATRE.to_xy(*LVIV_WEST.values()) + [50.0 * (t2 - T0), 0.0]
    lat0, lon0 = THEATRE.from_xy(xy)
    with live.client("feed") as c:  # six scans, 10 s apart, ending now; then silence
        for k in range(6):
            plots = targets_scan(2, t2 - 10.0 * (5 - k), seed=300 + k, lat0=float(lat0),
                                 lon0=float(lon0))
            c.post("/api/plots", json={"plots": plots}).raise_for_status()
    with live.client("pl") as c:
        end = time.monotonic() + 40
        while True:
            fresh = set(c.get("/api/picture").json()["tracks"]["number"])
            new = [e for e in c.get("/api/engagements").json()["engagements"]
                   if e["state"] == "pending" and e["nation"] == "POL" and e["track"] in fresh]
            if new:
                break
            assert time.monotonic() < end, "no proposal on the fresh tracks"
            time.sleep(0.3)
        e = new[0]
        assert e["actionable"] is True
    # a minute of silence: the tracker drops the tracks (45 s coast), inside the window
    assert e["deadline"] > t2 + 100.0
    with live.client("coord") as c:
        c.post("/api/clock", json={"t": t2 + 60.0}).raise_for_status()
    with live.client("pl") as c:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            st = {x["id"]: x for x in c.get("/api/engagements").json()["engagements"]}[e["id"]]
            if st["state"] != "pending":
                break
            time.sleep(0.3)
        assert st["state"] == "withdrawn" and "track ended" in st["why"], st
        assert st["actionable"] is False and st["t_decided"] < e["deadline"]
        r = c.post(f"/api/engagements/{e['id']}/approve", json={"note": "too late"})
        assert r.status_code == 409 and "withdrawn by the decision core" in r.text, r.text
        d = [x for x in c.get("/api/decisions?nation=POL").json()["decisions"]
             if x["engagement"] == e["id"]]
        assert [x["action"] for x in d] == ["withdrawal"]  # no approval was recorded
        entry = c.get(f"/api/audit/entries?start={st['audit_seq']}&end="
                      f"{st['audit_seq'] + 1}").json()["entries"][0]
    body = json.loads(base64.b64decode(entry["data"]))
    assert body["kind"] == "withdrawal" and body["engagement"] == e["id"]
    assert body["why"] == "track_lost" and body["by"] == "(the decision core)"
    r = subprocess.run([sys.executable, "-m", "skyshield.cli", "audit", "verify", live.db,
                        "--key", str(live.key)], env=env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "entries verify" in r.stdout, r.stdout + r.stderr


def test_sigkill_mid_stream_loses_no_acknowledged_approval(tmp_path: Path) -> None:
    s = ServerProcess(tmp_path)
    try:
        raid(s, n_pl=12, n_ro=0, scans=6)
        with s.client("pl") as c:
            todo = pending(c, "POL", n=4)
        tok = s.token("pl")
        acked: list[int] = []

        async def stream() -> None:
            async with httpx.AsyncClient(base_url=s.url, timeout=10,
                                         headers={"Authorization": f"Bearer {tok}"}) as a:
                async def one(e: dict) -> None:
                    try:
                        r = await a.post(f"/api/engagements/{e['id']}/approve")
                    except httpx.HTTPError:
                        return  # killed before the answer: not acknowledged
                    if r.status_code == 200:
                        acked.append(e["id"])
                        if len(acked) == 2:
                            s.kill()  # SIGKILL in the middle of the stream
                await asyncio.gather(*[one(e) for e in todo])

        asyncio.run(stream())
        assert s.proc.returncode == -9 and len(acked) >= 2
    finally:
        s.kill()
    s2 = ServerProcess(tmp_path, users=True)
    try:
        with s2.client("obs") as c:
            d = c.get("/api/decisions?nation=POL").json()["decisions"]
        approved = {x["engagement"] for x in d if x["action"] == "approval"}
        assert set(acked) <= approved, (acked, approved)
    finally:
        s2.stop()
    r = subprocess.run([sys.executable, "-m", "skyshield.cli", "audit", "verify", s2.db,
                        "--key", str(s2.key)], env=env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "entries verify" in r.stdout, r.stdout + r.stderr
