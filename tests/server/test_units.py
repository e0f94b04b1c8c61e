"""Server parts on their own: tokens, passwords, plot validation and conversion, limits,
the message ring, the approver's nation rule, and the store on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import numpy as np
import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from geographiclib.geodesic import Geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.contracts import Plots
from skyshield.geo.frame import THEATRE
from skyshield.server.approver import DecisionError, HumanApprover
from skyshield.server.audit import AuditLog, verify_log
from skyshield.server.auth import AuthError, Principal, TokenSigner, Users
from skyshield.server.broadcast import MessageLog
from skyshield.server.ingest import (
    IngestStats,
    RateLimiter,
    enu_jacobian,
    parse_batch,
    plots_from_models,
    plots_to_wire,
)
from skyshield.server.store import open_store

FAST = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


# ---------------------------------------------------------------------------- tokens
def test_tokens_roundtrip_expire_and_resist_forgery() -> None:
    key = Ed25519PrivateKey.generate()
    ts = TokenSigner.from_key(key, ttl_s=60)
    tok = ts.issue("pl", "POL", "operator", now=1000.0)
    p = ts.check(tok, now=1030.0)
    assert (p.name, p.nation, p.role) == ("pl", "POL", "operator")
    with pytest.raises(AuthError, match="expired"):
        ts.check(tok, now=1061.0)
    other = TokenSigner.from_key(Ed25519PrivateKey.generate())
    with pytest.raises(AuthError, match="signature"):
        other.check(tok, now=1030.0)
    body, mac = tok.split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["nation"] = "ROU"  # a Polish token rewritten to speak for Romania
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(AuthError, match="signature"):
        ts.check(f"{forged}.{mac}", now=1030.0)
    for junk in ("", "abc", "a.b", "..", tok + "x"):
        with pytest.raises(AuthError):
            ts.check(junk, now=1030.0)


def test_passwords_are_argon2_hashes(tmp_path) -> None:
    store = open_store(tmp_path / "u.db")
    users = Users(store, FAST)
    users.add("pl", "correct horse", "operator", "POL")
    row = store.get_user("pl")
    assert row[3].startswith("$argon2id$") and "correct horse" not in row[3]
    assert users.authenticate("pl", "correct horse") == ("pl", "POL", "operator")
    for name, pw in (("pl", "wrong"), ("nobody", "correct horse")):
        with pytest.raises(AuthError, match="wrong user name or password"):
            users.authenticate(name, pw)
    with pytest.raises(ValueError, match="needs a nation"):
        users.add("x", "pw", "operator")
    # an account given by its hash (an accounts file without passwords)
    users.add("ro", None, "operator", "ROU", hash_=FAST.hash("horse battery"))
    assert users.authenticate("ro", "horse battery") == ("ro", "ROU", "operator")
    with pytest.raises(AuthError):
        users.authenticate("ro", "correct horse")
    for bad in ("horse battery", "$argon2id$v=19$garbage"):
        with pytest.raises(ValueError, match="argon2"):
            users.add("sk", None, "operator", "SVK", hash_=bad)


# ---------------------------------------------------------------------------- ingest
GOOD = {"t": 10.0, "sensor": 1, "lat": 50.2, "lon": 23.9, "alt_m": 400.0,
        "sigma_h_m": 150.0, "sigma_v_m": 300.0}


@pytest.mark.parametrize("change,field", [
    ({"lat": 91}, "lat"), ({"lon": "east"}, "lon"), ({"alt_m": float("nan")}, "alt_m"),
    ({"sigma_h_m": 0}, "sigma_h_m"), ({"t": None}, "t"), ({"sensor": 7}, "sensor"),
    ({"sensor": -1}, "sensor"), ({"colour": "red"}, "colour"),
    ({"sigma_h_m": None, "sigma_v_m": None}, "plot"),
    ({"cov_enu": [[1, 0, 0], [0, -1, 0], [0, 0, 1]]}, "plot"),
])
def test_a_malformed_plot_is_named_counted_and_dropped(change, field) -> None:
    stats = IngestStats()
    bad = {**GOOD, **change}
    good, errors, _ = parse_batch({"plots": [GOOD, bad, GOOD]}, n_sensors=3, stats=stats)
    assert len(good) == 2 and len(errors) == 1
    assert errors[0]["index"] == 1 and errors[0]["field"] == field
    sensor = bad["sensor"] if isinstance(bad.get("sensor"), int) else "unknown"
    assert stats.rejected[sensor] == 1 and stats.accepted[1] == 2


@pytest.mark.parametrize("raw", [[], {"plot": []}, {"plots": "x"}, {"plots": [], "x": 1}, None])
def test_a_malformed_batch_is_refused_whole(raw) -> None:
    with pytest.raises(ValueError):
        parse_batch(raw, 3, IngestStats())


def test_conversion_to_the_frame_keeps_position_and_error_size() -> None:
    """Geodetic plots land where GeographicLib says, with the stated error in metres."""
    good, _, _ = parse_batch({"plots": [GOOD]}, 3, IngestStats())
    p = plots_from_models(good)
    lat, lon, alt = THEATRE.to_lla(p.z)
    assert abs(lat[0] - 50.2) < 1e-9 and abs(lon[0] - 23.9) < 1e-9 and abs(alt[0] - 400) < 1e-6
    # the 1-sigma ellipse: an east step of 150 m on the ground, measured in the frame
    g = Geodesic.WGS84.Direct(50.2, 23.9, 90.0, 150.0)
    d_frame = THEATRE.to_xy(g["lat2"], g["lon2"]) - THEATRE.to_xy(50.2, 23.9)
    sigma_frame_east = np.sqrt(p.R[0, 0, 0])
    assert sigma_frame_east == pytest.approx(np.linalg.norm(d_frame), rel=1e-3)
    assert np.sqrt(p.R[0, 2, 2]) == pytest.approx(300.0)


def test_a_mixed_batch_converts_as_each_plot_alone() -> None:
    """Sigmas and full covariances in one batch: each plot converts as it does alone."""
    cov = [[400.0, 50.0, 0.0], [50.0, 900.0, 10.0], [0.0, 10.0, 2500.0]]
    raw = [GOOD, {**GOOD, "sigma_h_m": None, "sigma_v_m": None, "cov_enu": cov, "lat": 49.0,
                  "sensor": 2, "t": 11.5}, {**GOOD, "lon": 25.0, "sigma_v_m": 40.0}]
    good, errors, _ = parse_batch({"plots": raw}, 3, IngestStats())
    assert not errors
    batch = plots_from_models(good)
    for i, p in enumerate(good):
        one = plots_from_models([p])
        assert batch.t[i] == one.t[0] and batch.sensor[i] == one.sensor[0]
        np.testing.assert_allclose(batch.z[i], one.z[0], rtol=0, atol=1e-6)
        np.testing.assert_allclose(batch.R[i], one.R[0], rtol=1e-12)
    # the full covariance is the one given, in ENU, as the frame's Jacobian carries it
    J = np.eye(3)
    J[:2, :2] = enu_jacobian(np.array([49.0]), np.array([GOOD["lon"]]))[0]
    np.testing.assert_allclose(batch.R[1], J @ np.array(cov) @ J.T, rtol=1e-9)
    assert batch.R[0, 2, 2] == pytest.approx(300.0**2) and batch.R[2, 2, 2] == 40.0**2


@settings(max_examples=40, deadline=None)
@given(st.floats(44.0, 56.0), st.floats(14.0, 40.0), st.floats(20.0, 3000.0),
       st.floats(20.0, 3000.0), st.floats(-0.9, 0.9))
def test_wire_roundtrip_keeps_covariance(lat, lon, sx, sy, rho) -> None:
    R = np.array([[sx**2, rho * sx * sy, 0], [rho * sx * sy, sy**2, 0], [0, 0, 250.0**2]])
    p = Plots.from_arrays(5.0, 0, THEATRE.to_xyz(lat, lon, 500.0).reshape(1, 3), R[None])
    wire = plots_to_wire(p)
    good, errors, _ = parse_batch({"plots": wire}, 1, IngestStats())
    assert not errors
    back = plots_from_models(good)
    assert np.allclose(back.z, p.z, atol=0.05)
    assert np.allclose(back.R, p.R, rtol=1e-4, atol=1e-5 * sx * sy)


def test_frame_jacobian_against_geodesics() -> None:
    J = enu_jacobian(np.array([48.0, 52.0]), np.array([22.0, 33.0]))
    for k, (la, lo) in enumerate(((48.0, 22.0), (52.0, 33.0))):
        for az, col in ((90.0, 0), (0.0, 1)):
            g = Geodesic.WGS84.Direct(la, lo, az, 1000.0)
            d = (THEATRE.to_xy(g["lat2"], g["lon2"]) - THEATRE.to_xy(la, lo)) / 1000.0
            assert np.allclose(J[k, :, col], d, atol=1e-4)


def test_rate_limiter_refuses_floods_per_client() -> None:
    rl = RateLimiter(requests_per_s=10, plots_per_s=100, burst_s=1.0)
    ok = sum(rl.allow("a", plots=1, now=0.0) == 0 for _ in range(30))
    assert ok == 10  # the burst, no more
    assert rl.allow("b", plots=1, now=0.0) == 0  # another client is not held back
    assert rl.allow("a", plots=1, now=1.0) == 0  # refilled after a second
    assert rl.allow("a", plots=500, now=5.0) == float("inf")  # never fits the bucket
    assert rl.refused["a"] == 21


# ---------------------------------------------------------------------------- messages
def test_message_ring_numbers_and_backfills() -> None:
    log = MessageLog(keep=5)
    for i in range(8):
        log.add({"type": "x", "i": i})
    texts, complete = log.after(5)
    assert [int(t.split('"seq":')[1].split(",")[0]) for t in texts] == [6, 7, 8]
    assert complete
    texts, complete = log.after(1)  # 2 and 3 fell out of the ring
    assert not complete and len(texts) == 5


def test_a_reused_part_is_encoded_once_and_reads_the_same() -> None:
    """A picture's assessment is spliced in from its cached text while it is the same
    object; every message still decodes to exactly what plain JSON encoding gives."""
    log = MessageLog()
    a1 = {"t": 1.0, "number": [1, 2], "country": ["UKR", "POL"], "p_nato": [0.1, 0.9]}
    a2 = {**a1, "t": 16.0, "p_nato": [0.2, 0.95]}
    msgs = [{"type": "picture", "t": float(i), "tracks": {"number": [i]},
             "assessment": a} for i, a in enumerate([a1, a1, a2, None])]
    msgs.append({"type": "order", "text": "no assessment here"})
    for i, m in enumerate(msgs, 1):
        seq, text = log.add(m)
        assert json.loads(text) == {"seq": i, **m}
    assert log._reused["assessment"][0] is None  # the last one seen


def test_stage_timings_and_collector_passes_without_deadlock() -> None:
    """Stages are counted with their wall and CPU; the collector's passes are timed even
    when one starts inside the timings' own lock (forced here: a pass on every allocation)."""
    import gc
    import threading

    from skyshield.server.timing import Timings

    tm = Timings(keep=50)
    stop = tm.watch_gc()
    old = gc.get_threshold()
    done = threading.Event()

    def work() -> None:
        for i in range(300):
            with tm.time("busy"):
                _ = [[j] for j in range(50)]
            if i % 50 == 0:
                tm.to_json()
                tm.samples(60.0)
        done.set()

    try:
        gc.set_threshold(1)
        th = threading.Thread(target=work, daemon=True)
        th.start()
        th.join(60.0)
    finally:
        gc.set_threshold(*old)
        stop()
    assert done.is_set(), "deadlocked: a collector pass inside the timings' lock"
    out = tm.to_json()
    assert out["busy"]["n"] == 300 and len(tm.samples(60.0)["busy"]) == 50  # kept: the last 50
    assert out["busy"]["cpu_med"] >= 0 and out["busy"]["wall_p99"] >= out["busy"]["wall_med"]
    assert any(k.startswith("gc.gen") for k in out)


def test_plots_wake_the_picture_while_the_decision_thread_waits(tmp_path) -> None:
    """Each ingested batch is stepped into the picture at once, not after the picture
    period (set here to an hour), although the decision thread sleeps between its steps
    too (it once waited on the picture's condition and could take its wake-up)."""
    import time

    from skyshield.model.loader import load_scenario
    from skyshield.server.clock import ExerciseClock
    from skyshield.server.decisions import DecisionCore
    from skyshield.server.live import LiveConfig, LiveMission

    sc = load_scenario("western-night")
    log = AuditLog.open(open_store(tmp_path / "w.db"), Ed25519PrivateKey.generate(), "w")
    clock = ExerciseClock(t0=100.0)
    m = LiveMission(sc, log, clock, config=LiveConfig(picture_period_s=3600.0,
                                                      decide_period_s=0.05))
    m.core = DecisionCore.build(sc, log, clock)
    m.start()
    try:
        xyz = THEATRE.to_xyz(50.0, 24.0, 500.0).reshape(1, 3)
        time.sleep(0.3)  # both threads are waiting now
        for k in range(6):
            before = m.n_plots
            m.ingest(Plots.from_arrays(clock.now(), 0, xyz, np.diag([1e4, 1e4, 4e4])[None]))
            end = time.monotonic() + 30.0  # far below the hour; generous for a loaded machine
            while m.n_plots == before and time.monotonic() < end:
                time.sleep(0.01)
            assert m.n_plots == before + 1, f"batch {k} still waits for the picture"
    finally:
        m.stop()


# ---------------------------------------------------------------------------- approver
class _Req:
    def __init__(self, nation: str) -> None:
        self.id = np.array([7])
        self.nation = np.array([nation])
        self.aircraft = np.array([3])
        self.track = np.array([42])
        self.t = 100.0

    def __len__(self) -> int:
        return 1


def test_only_the_aircrafts_nation_may_decide() -> None:
    seen: list[tuple[str, int]] = []
    ap = HumanApprover({"POL": 60.0}, lambda r: [{"weapon": "AIM-9X"}],
                       lambda kind, p, extra: seen.append((kind, p.id)) or len(seen))
    ap.request(_Req("POL"))
    for who in (Principal("ro", "ROU", "operator", 1e12), Principal("c", None, "coordinator", 1e12),
                Principal("o", None, "observer", 1e12), Principal("f", None, "sensor", 1e12),
                Principal("x", "POL", "observer", 1e12)):
        with pytest.raises(AuthError):
            ap.decide(7, True, who, 120.0)
    assert ap.pending()[0].state == "pending" and seen == [("proposal", 7)]
    p = ap.decide(7, True, Principal("pl", "POL", "operator", 1e12), 120.0, "clear")
    assert p.state == "approved" and p.decided_by == "pl" and seen[-1] == ("approval", 7)
    d = ap.decisions(121.0)
    assert d.id.tolist() == [7] and d.approved.tolist() == [True] and d.t.tolist() == [120.0]
    with pytest.raises(DecisionError, match="already approved"):
        ap.decide(7, False, Principal("pl", "POL", "operator", 1e12), 122.0)


def test_unanswered_requests_expire_after_the_window() -> None:
    seen: list[str] = []
    ap = HumanApprover({"POL": 60.0}, lambda r: [{}], lambda k, p, e: seen.append(k) or 0)
    ap.request(_Req("POL"))
    assert len(ap.decisions(159.0)) == 0 and ap.pending()
    ap.decisions(160.0)
    assert not ap.pending() and seen == ["proposal", "expiry"]
    with pytest.raises(DecisionError, match="already expired"):
        ap.decide(7, True, Principal("pl", "POL", "operator", 1e12), 161.0)


PL = Principal("pl", "POL", "operator", 1e12)


def _approver() -> tuple[HumanApprover, list[tuple[str, dict]]]:
    seen: list[tuple[str, dict]] = []
    ap = HumanApprover({"POL": 60.0}, lambda r: [{}],
                       lambda k, p, e: seen.append((k, dict(e))) or len(seen))
    ap.request(_Req("POL"))
    return ap, seen


def test_a_withdrawn_request_leaves_the_queue_and_cannot_be_decided() -> None:
    ap, seen = _approver()
    ap.cancel(np.array([7]), 130.0, np.array(["track_lost"]))
    assert not ap.pending() and [k for k, _ in seen] == ["proposal", "withdrawal"]
    assert seen[-1][1]["why"] == "track_lost" and "track ended" in seen[-1][1]["reason"]
    p = ap.recent()[0]
    assert p.state == "withdrawn" and p.t_decided == 130.0 and p.decided_by is None
    assert "track ended" in p.to_json()["why"]
    for verdict in (True, False):
        with pytest.raises(DecisionError, match="withdrawn by the decision core") as e:
            ap.decide(7, verdict, PL, 131.0)
        assert e.value.status == 409
    ap.cancel(np.array([7]), 140.0, np.array(["timeout"]))  # twice: recorded once
    assert len(ap.decisions(200.0)) == 0 and [k for k, _ in seen][-1] == "withdrawal"
    assert len(seen) == 2  # and it never expires afterwards


def test_a_verdict_the_core_had_not_collected_is_dropped_by_the_withdrawal() -> None:
    ap, seen = _approver()
    ap.decide(7, True, PL, 120.0)  # approved between the core's last look and its withdrawal
    ap.cancel(np.array([7]), 121.0, np.array(["aircraft_left"]))
    assert len(ap.decisions(122.0)) == 0  # the core never learns an approval it cannot use
    assert [k for k, _ in seen] == ["proposal", "approval", "withdrawal"]
    assert seen[-1][1]["verdict_dropped"] == "approved" and seen[-1][1]["verdict_by"] == "pl"


def test_withdrawing_an_answered_or_expired_request_changes_nothing() -> None:
    ap, seen = _approver()
    ap.decide(7, False, PL, 120.0)
    assert ap.decisions(121.0).id.tolist() == [7]  # handed back: the core has its verdict
    ap.cancel(np.array([7]), 122.0, np.array(["track_lost"]))
    assert ap.recent()[0].state == "denied"
    ap2, seen2 = _approver()
    ap2.decisions(160.0)  # the window closed first
    ap2.cancel(np.array([7, 99]), 160.0, np.array(["timeout", "timeout"]))
    assert ap2.recent()[0].state == "expired"
    assert [k for k, _ in seen] == ["proposal", "denial"]
    assert [k for k, _ in seen2] == ["proposal", "expiry"]


# ---------------------------------------------------------------------------- stores
def _exercise_store(url: str, tmp_path) -> None:  # noqa: ANN001
    store = open_store(url)
    key = Ed25519PrivateKey.generate()
    log = AuditLog.open(store, key, "t")
    for i in range(20):
        log.append("approval", {"i": i}, extra=lambda seq: [(
            "INSERT INTO decisions (seq, engagement, nation, username, action, t, track, "
            "aircraft, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, seq, "POL", "pl", "approval", 1.0 * seq, 5, 3, "{}"))])
    store.close()
    again = open_store(url)
    assert verify_log(again.audit_rows(), key.public_key(), "t") == []
    assert [d["engagement"] for d in again.decisions("POL")] == list(range(20))
    assert len(AuditLog.open(again, key, "t")) == 20
    again.close()


def test_sqlite_store_is_wal_and_durable(tmp_path) -> None:
    _exercise_store(str(tmp_path / "s.db"), tmp_path)
    import sqlite3

    c = sqlite3.connect(tmp_path / "s.db")
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_postgres_store(pg_url: str, tmp_path) -> None:
    _exercise_store(pg_url, tmp_path)


# ---------------------------------------------------------------------------- CLI errors
def test_serve_refuses_bad_databases_and_account_files(tmp_path) -> None:
    from typer.testing import CliRunner

    from skyshield.cli import app

    run = CliRunner()
    r = run.invoke(app, ["serve", "western-night", "--db", "postgresql://x:y@127.0.0.1:1/none",
                         "--key", str(tmp_path / "k.key")])
    assert r.exit_code == 1 and "cannot connect to PostgreSQL" in r.output
    assert "y@" not in r.output  # the password is not echoed
    bad = tmp_path / "users.json"
    bad.write_text('[{"name": "pl", "role": "operator"}]')
    r = run.invoke(app, ["serve", "western-night", "--db", str(tmp_path / "s.db"), "--users",
                         str(bad), "--key", str(tmp_path / "k.key")])
    assert r.exit_code == 1 and "account 1 needs name, password" in r.output
    bad.write_text('[{"name": "pl", "role": "operator", "nation": "POL", "hash": "md5:abc"}]')
    r = run.invoke(app, ["serve", "western-night", "--db", str(tmp_path / "s.db"), "--users",
                         str(bad), "--key", str(tmp_path / "k.key")])
    assert r.exit_code == 1 and "'hash' must be an argon2id hash" in r.output
    bad.write_text('[{"name": "x", "password": "p", "role": "operator", "nation": "HUN"}]')
    r = run.invoke(app, ["serve", "western-night", "--db", str(tmp_path / "s.db"), "--users",
                         str(bad), "--key", str(tmp_path / "k.key")])
    assert r.exit_code == 1 and "needs a nation of the coalition" in r.output
    r = run.invoke(app, ["serve", "western-night", "--db", "mysql://x", "--key",
                         str(tmp_path / "k.key")])
    assert r.exit_code == 1 and "unknown database URL" in r.output
    r = run.invoke(app, ["audit", "verify", str(tmp_path / "missing.db")])
    assert r.exit_code == 2 and "no database" in r.output


def test_on_start_seam_feeds_plots_in_and_reads_messages_out(tmp_path) -> None:
    """What an ASTERIX listener or a CoT sender does: ingest Plots, hook the messages."""
    import time

    from starlette.testclient import TestClient

    from skyshield.model.loader import load_scenario
    from skyshield.server.app import ServerConfig, create_app

    got: list[dict] = []
    stopped: list[bool] = []

    def plug(srv):  # noqa: ANN001, ANN202
        srv.mission.on_message(got.append)
        xyz = THEATRE.to_xyz(50.0, 24.0, 500.0).reshape(1, 3)
        srv.mission.ingest(Plots.from_arrays(1.0, 0, xyz, np.diag([1e4, 1e4, 4e4])[None]),
                           source="asterix:test")
        return lambda: stopped.append(True)

    cfg = ServerConfig(scenario=load_scenario("western-night"),
                       store=open_store(tmp_path / "s.db"), key_path=tmp_path / "s.key",
                       decisions=False, on_start=[plug])
    with TestClient(create_app(cfg)) as c:
        end = time.monotonic() + 20
        while not any(m["type"] == "picture" for m in got) and time.monotonic() < end:
            time.sleep(0.1)
        assert c.get("/api/audit/checkpoint").json()["size"] >= 2  # start + the batch
    assert any(m["type"] == "picture" for m in got) and stopped == [True]
    rows = open_store(tmp_path / "s.db").audit_rows()
    import json

    assert json.loads(rows[1].data)["source"] == "asterix:test"


def test_openapi_documents_the_wire_formats(tmp_path) -> None:
    from skyshield.model.loader import load_scenario
    from skyshield.server.app import ServerConfig, create_app

    app = create_app(ServerConfig(scenario=load_scenario("western-night"),
                                  store=open_store(tmp_path / "s.db"), key_path=tmp_path / "k"))
    o = app.openapi()
    comps = o["components"]["schemas"]
    body = o["paths"]["/api/plots"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["plots"]["items"]["$ref"].endswith("/PlotIn")
    assert {"t", "sensor", "lat", "lon", "alt_m"} <= set(comps["PlotIn"]["properties"])
    pic = o["paths"]["/api/picture"]["get"]["responses"]["200"]["content"]["application/json"]
    assert pic["schema"]["$ref"].endswith("/PictureOut")
    assert "p_nato" in comps["AssessmentOut"]["properties"]
    assert "deadline" in comps["EngagementOut"]["properties"]
    for path in ("/api/engagements/{eid}/approve", "/api/audit/consistency", "/api/messages"):
        assert path in o["paths"]
    refs = [v for v in json.dumps(o).split('"$ref": "')[1:]]
    for r in refs:  # every reference resolves
        assert r.split('"')[0].rsplit("/", 1)[1] in comps
