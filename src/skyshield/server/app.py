"""The FastAPI application of `skyshield serve`: ingest, live picture, approvals, audit.

HTTP (JSON, documented at ``/docs``) and WebSocket endpoints:

- ``POST /api/login`` -> a token; ``GET /api/me``;
- ``POST /api/plots`` and ``WS /ws/plots`` (role sensor): plot batches in;
- ``GET /api/picture``, ``GET /api/state``, ``GET /api/messages?after=N`` (backfill),
  ``WS /ws/live?token=..&after=N`` (pushed, numbered messages);
- ``GET /api/engagements``, ``POST /api/engagements/{id}/approve|deny`` (nation operators),
  ``GET /api/decisions``;
- ``GET /api/audit/checkpoint|entries|inclusion|consistency|key``;
- ``GET /api/clock``, ``POST /api/clock`` (coordinator or sensor); ``GET /api/ingest``;
- ``GET /`` the operator page, ``/static/*`` its files, ``GET /api/scene`` its map.
"""

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.websockets import WebSocketDisconnect

from skyshield.model.scenario import Scenario
from skyshield.picture.tracker import warm_up
from skyshield.report.assets import web_asset
from skyshield.server.approver import DecisionError
from skyshield.server.audit import AuditLog, key_id, load_or_create_key, public_pem
from skyshield.server.auth import AuthError, Principal, TokenSigner, Users
from skyshield.server.broadcast import Broadcaster, Client, MessageLog
from skyshield.server.clock import ExerciseClock
from skyshield.server.ingest import (
    MAX_BODY_BYTES,
    MAX_ERRORS_SHOWN,
    IngestStats,
    PlotBatch,
    RateLimiter,
    decode_json,
    parse_batch,
    plots_from_models,
)
from skyshield.server.live import LiveConfig, LiveMission
from skyshield.server.merkle import ProofError
from skyshield.server.schemas import CheckpointOut, EngagementOut, PictureOut
from skyshield.server.store import Store
from skyshield.server.timing import Timings, freeze_heap, profiled

__all__ = ["ServerConfig", "create_app"]


@dataclass
class ServerConfig:
    """Everything `create_app` needs (built by `skyshield serve`)."""

    scenario: Scenario
    store: Store
    key_path: Path
    accounts: list[dict[str, Any]] = field(default_factory=list)  # created at start
    speed: float = 1.0  # exercise clock rate
    live: LiveConfig = field(default_factory=LiveConfig)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    token_ttl_s: float | None = None
    send_timeout_s: float = 2.0  # a WebSocket send longer than this drops the client [s]
    decisions: bool = True  # run the decision core (False: picture only)
    # started with the server, each given the running `Server` (its `.mission` has
    # `ingest(plots)` and `on_message(hook)`): e.g. an ASTERIX listener, a CoT sender;
    # each may return a callable that stops it
    on_start: list[Callable[[Any], Callable[[], Any] | None]] = field(default_factory=list)


class LoginIn(BaseModel):
    """Credentials."""

    name: str = Field(max_length=80)
    password: str = Field(max_length=200)


class LoginOut(BaseModel):
    """A token and who it speaks for."""

    token: str
    name: str
    nation: str | None
    role: str
    expires: float = Field(description="UNIX time [s]")


class ClockIn(BaseModel):
    """Set the exercise clock."""

    t: float | None = Field(default=None, ge=-86_400, le=30 * 86_400,
                            description="scenario time [s]")
    rate: float | None = Field(default=None, gt=0, le=100, description="speed [-]")


class VerdictIn(BaseModel):
    """An operator's note with a verdict (optional)."""

    note: str = Field(default="", max_length=500)


class Server:
    """The running server's parts (one per app)."""

    def __init__(self, cfg: ServerConfig) -> None:
        self.cfg = cfg
        sc = cfg.scenario
        self.key = load_or_create_key(cfg.key_path)
        self.tokens = TokenSigner.from_key(self.key, **(
            {"ttl_s": cfg.token_ttl_s} if cfg.token_ttl_s else {}))
        self.store = cfg.store
        self.users = Users(self.store)
        for a in cfg.accounts:
            self.users.add(a["name"], a.get("password"), a["role"], a.get("nation"),
                           hash_=a.get("hash"))
        origin = f"{sc.name}/{key_id(self.key.public_key())}"
        self.audit = AuditLog.open(self.store, self.key, origin,
                                   Path(str(cfg.key_path) + ".checkpoint"))
        self.clock = ExerciseClock(rate=cfg.speed)
        self.messages = MessageLog()
        self.timings = Timings()
        self.broadcaster = Broadcaster(self.messages, cfg.send_timeout_s, self.timings)
        self.stats = IngestStats()
        self.n_sensors = len(sc.radars)
        self.mission = LiveMission(sc, self.audit, self.clock, config=cfg.live,
                                   timings=self.timings)
        if cfg.decisions:
            from skyshield.server.decisions import DecisionCore

            self.mission.core = DecisionCore.build(sc, self.audit, self.clock)
            self.mission.core.publish = self.mission.publish
        self.mission.on_message(self._on_message)
        self.audit.append("start", {"scenario": sc.name, "t": 0.0,
                                    "radars": [r.name for r in sc.radars]})

    def _on_message(self, msg: dict[str, Any]) -> None:
        self.broadcaster.publish(msg)

    # ------------------------------------------------------------------ auth
    def principal(self, token: str | None) -> Principal:
        return self.tokens.check(token)


def _bearer(request: Request) -> str | None:
    h = request.headers.get("authorization", "")
    return h[7:].strip() if h.lower().startswith("bearer ") else None


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def create_app(cfg: ServerConfig) -> FastAPI:
    """The application (its server parts are built when it starts)."""
    holder: dict[str, Server] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm_up()  # compile the tracker's kernels now, not on the first plots
        srv = Server(cfg)
        holder["srv"] = srv
        app.state.server = srv
        srv.broadcaster.bind(asyncio.get_running_loop())
        unwatch = srv.timings.watch_gc()
        freeze_heap()  # no full collection pass over the libraries' objects while live
        srv.mission.start()

        async def checkpoints() -> None:
            while True:
                await asyncio.sleep(1.0)
                with contextlib.suppress(OSError):
                    await asyncio.to_thread(srv.audit.write_checkpoint_file)

        task = asyncio.create_task(checkpoints())
        stops = [f(srv) for f in cfg.on_start]
        try:
            with profiled("loop"):  # SKYSHIELD_PROFILE=DIR: the event loop's thread
                yield
        finally:
            task.cancel()
            unwatch()
            for stop in stops:
                if callable(stop):
                    with contextlib.suppress(Exception):
                        stop()
            srv.mission.stop()
            with contextlib.suppress(OSError):
                srv.audit.write_checkpoint_file()

    app = FastAPI(title="skyshield live coordination",
                  description="One shared air picture, each nation approving its own "
                  "engagements, every decision in a tamper-evident log.",
                  version="1", lifespan=lifespan)

    def srv() -> Server:
        return holder["srv"]

    def who(request: Request) -> Principal:
        return srv().principal(_bearer(request))

    def seer(p: Annotated[Principal, Depends(who)]) -> Principal:
        if not p.may_see():
            raise AuthError(f"role {p.role} may not see the picture", 403)
        return p

    def feeder(p: Annotated[Principal, Depends(who)]) -> Principal:
        if not p.may_feed():
            raise AuthError(f"role {p.role} may not post plots", 403)
        return p

    @app.exception_handler(AuthError)
    async def _auth(_: Request, e: AuthError) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=e.status,
                            headers={"WWW-Authenticate": "Bearer"} if e.status == 401 else {})

    @app.exception_handler(DecisionError)
    async def _dec(_: Request, e: DecisionError) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=e.status)

    # ------------------------------------------------------------------ sign in
    @app.post("/api/login", response_model=LoginOut, tags=["auth"])
    async def login(body: LoginIn, request: Request) -> LoginOut:
        """Sign in with a name and password; the token expires (see `expires`)."""
        s = srv()
        client = request.client.host if request.client else "?"
        if s.cfg.limiter.allow(f"login:{client}") > 0:
            raise HTTPException(429, "too many sign-in attempts", {"Retry-After": "1"})
        name, nation, role = await asyncio.to_thread(s.users.authenticate, body.name,
                                                     body.password)
        tok = s.tokens.issue(name, nation, role)
        return LoginOut(token=tok, name=name, nation=nation, role=role,
                        expires=s.tokens.check(tok).exp)

    @app.get("/api/me", tags=["auth"])
    async def me(p: Annotated[Principal, Depends(who)]) -> dict[str, Any]:
        """Who the token speaks for."""
        return {"name": p.name, "nation": p.nation, "role": p.role, "expires": p.exp}

    # ------------------------------------------------------------------ ingest
    plot_schema = PlotBatch.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = plot_schema.pop("$defs", {})

    async def _read_body(request: Request) -> bytes:
        n = request.headers.get("content-length")
        if n is not None and n.isdigit() and int(n) > MAX_BODY_BYTES:
            raise HTTPException(413, f"body of {n} bytes: at most {MAX_BODY_BYTES}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise HTTPException(413, f"body over {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _ingest_now(body: bytes, p: Principal, client: str) -> tuple[int, dict[str, Any]]:
        """Validate, convert and ingest one batch; (HTTP status, answer). Runs in a worker
        thread: a batch of 500 plots is milliseconds of CPU that the event loop, sending
        pictures to every client, should not wait for."""
        s = srv()
        w0, c0 = time.perf_counter(), time.thread_time()
        try:
            raw = decode_json(body)
            good, errors, source = parse_batch(raw, s.n_sensors, s.stats)
        except ValueError as e:
            return 422, {"detail": str(e)}
        wait = s.cfg.limiter.allow(f"plots:{p.name}:{client}", plots=len(good) + len(errors))
        if wait > 0:
            return 429, {"detail": "too many plots: slow down",
                         "retry_after_s": round(min(wait, 60.0), 2)}
        plots = plots_from_models(good)
        s.timings.add("ingest.parse", time.perf_counter() - w0, time.thread_time() - c0)
        rejected: dict[str, int] = {}
        for e in errors:
            rejected[str(e["sensor"])] = rejected.get(str(e["sensor"]), 0) + 1
        try:
            seq = s.mission.ingest(plots, source or "", f"{p.name}@{client}", rejected,
                                   hashlib.sha256(body).hexdigest(), source)
        except OverflowError as e:
            return 503, {"detail": str(e)}
        answer = {"accepted": len(good), "rejected": len(errors), "audit_seq": seq,
                  "errors": errors[:MAX_ERRORS_SHOWN]}
        return (200 if good or not errors else 422), answer

    async def _ingest(body: bytes, p: Principal, client: str) -> tuple[int, dict[str, Any]]:
        return await asyncio.to_thread(_ingest_now, body, p, client)

    @app.post("/api/plots", tags=["ingest"], openapi_extra={"requestBody": {
        "required": True, "content": {"application/json": {"schema": plot_schema}}}},
        responses={200: {"description": "accepted (per-plot errors listed)"},
                   413: {"description": "body too large"}, 422: {"description": "no valid plot"},
                   429: {"description": "flood: per-client limit"}})
    async def post_plots(request: Request, p: Annotated[Principal, Depends(feeder)]
                         ) -> JSONResponse:
        """A batch of radar plots (role sensor). Each plot is validated on its own: a
        malformed one is answered with the field at fault, counted against its sensor and
        dropped; the others go into the picture."""
        s = srv()
        client = request.client.host if request.client else "?"
        if s.cfg.limiter.allow(f"req:{p.name}:{client}") > 0:
            return JSONResponse({"detail": "too many requests"}, 429, {"Retry-After": "1"})
        body = await _read_body(request)
        status, answer = await _ingest(body, p, client)
        return JSONResponse(answer, status)

    @app.websocket("/ws/plots")
    async def ws_plots(ws: WebSocket, token: str | None = None) -> None:
        """A stream of plot batches (one JSON batch per message); each is answered."""
        s = srv()
        try:
            p = s.principal(token)
            if not p.may_feed():
                raise AuthError("not a sensor", 403)
        except AuthError as e:
            await ws.close(code=1008, reason=str(e))
            return
        await ws.accept()
        client = ws.client.host if ws.client else "?"
        floods = 0
        try:
            while True:
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    return
                body = msg.get("bytes") or (msg.get("text") or "").encode()
                if len(body) > MAX_BODY_BYTES:
                    await ws.send_json({"status": 413, "detail": "message too large"})
                    continue
                status, answer = await _ingest(body, p, client)
                floods = floods + 1 if status == 429 else 0
                await ws.send_json({"status": status, **answer})
                if floods >= 20:
                    await ws.close(code=1008, reason="flood")
                    return
        except WebSocketDisconnect:
            return

    @app.get("/api/ingest", tags=["ingest"])
    async def ingest_stats(_: Annotated[Principal, Depends(seer)]) -> dict[str, Any]:
        """Plots accepted and dropped per sensor, and the fields at fault."""
        s = srv()
        return {**s.stats.to_json(), "tracker_rejected": {
            str(k): v for k, v in getattr(s.mission.picture, "rejected", {}).items()},
            "refused_by_limits": dict(s.cfg.limiter.refused),
            "asterix": s.asterix.stats.to_json() if getattr(s, "asterix", None) else None}

    # ------------------------------------------------------------------ clock
    @app.get("/api/clock", tags=["clock"])
    async def get_clock() -> dict[str, float]:
        """The exercise clock: scenario time [s] and rate."""
        return srv().clock.to_json()

    @app.post("/api/clock", tags=["clock"])
    async def set_clock(body: ClockIn, p: Annotated[Principal, Depends(who)]
                        ) -> dict[str, float]:
        """Set the exercise clock (coordinator or sensor feed)."""
        if not p.may_control_clock():
            raise AuthError(f"role {p.role} may not set the clock", 403)
        s = srv()
        try:
            s.clock.set(body.t, body.rate)
        except ValueError as e:
            raise HTTPException(422, str(e)) from None
        s.broadcaster.publish({"type": "clock", **s.clock.to_json(), "by": p.name})
        return s.clock.to_json()

    # ------------------------------------------------------------------ picture
    @app.get("/api/picture", tags=["picture"], responses={200: {"model": PictureOut}})
    async def get_picture(_: Annotated[Principal, Depends(seer)]) -> dict[str, Any]:
        """The current air picture: tracks, assessments, coalition aircraft."""
        m = srv().mission
        return await asyncio.to_thread(m.picture_message, m.tracks_t)

    @app.get("/api/state", tags=["picture"])
    async def get_state(_: Annotated[Principal, Depends(seer)]) -> dict[str, Any]:
        """Everything a joining client needs: picture, engagements, clock, last number."""
        s = srv()
        st = await asyncio.to_thread(s.mission.state)
        return {**st, "seq": s.messages.seq}

    @app.get("/api/messages", tags=["picture"])
    async def backfill(_: Annotated[Principal, Depends(seer)], after: int = Query(0, ge=0),
                       limit: int = Query(200, ge=1, le=500)) -> Response:
        """Pushed messages numbered after `after` (resume after a reconnect).

        `complete` is false when older messages were already dropped from the ring: the
        client should then load `/api/state` and continue from `seq`."""
        texts, complete = srv().messages.after(after, limit)
        flag = "true" if complete else "false"
        body = (f'{{"complete":{flag},"last":{srv().messages.seq},'
                f'"messages":[{",".join(texts)}]}}')
        return Response(body, media_type="application/json")

    @app.websocket("/ws/live")
    async def ws_live(ws: WebSocket, token: str | None = None, after: int | None = None
                      ) -> None:
        """Numbered messages, pushed; with `after`, the missed ones first (if still held)."""
        s = srv()
        try:
            p = s.principal(token)
            if not p.may_see():
                raise AuthError("may not see the picture", 403)
        except AuthError as e:
            await ws.close(code=1008, reason=str(e))
            return
        await ws.accept()
        backlog: list[str] = []
        if after is not None:
            backlog, complete = s.messages.after(after, 500)
            if not complete:
                backlog = [json.dumps({"type": "resync", "last": s.messages.seq})] + backlog
        client = Client(f"{p.name}@{ws.client.host if ws.client else '?'}",
                        ws.send_text, lambda code, reason: ws.close(code, reason))

        async def reader() -> None:  # notice disconnects (clients send nothing else)
            with contextlib.suppress(Exception):
                while True:
                    m = await ws.receive()
                    if m["type"] == "websocket.disconnect":
                        break
            if client.task is not None:
                client.task.cancel()

        rd = asyncio.create_task(reader())
        try:
            await s.broadcaster.serve(client, backlog)
        finally:
            rd.cancel()

    # ------------------------------------------------------------------ decisions
    def _core() -> Any:
        core = srv().mission.core
        if core is None:
            raise HTTPException(503, "this server runs the picture only (no decision core)")
        return core

    @app.get("/api/engagements", tags=["decisions"], responses={200: {"content": {
        "application/json": {"schema": {"type": "object", "properties": {
            "t": {"type": "number"}, "engagements": {"type": "array", "items": {
                "$ref": "#/components/schemas/EngagementOut"}}}}}}}})
    async def engagements(p: Annotated[Principal, Depends(seer)]) -> dict[str, Any]:
        """Engagements proposed by the decision core: pending ones with their explanation,
        deadline and whether *you* may decide them, and recent verdicts."""
        core = _core()
        out = []
        for pr in core.approver.recent():
            d = pr.to_json()
            d["actionable"] = pr.state == "pending" and p.may_approve(pr.nation)
            out.append(d)
        return {"t": srv().clock.now(), "engagements": out}

    async def _verdict(eid: int, approve: bool, body: VerdictIn | None, p: Principal
                       ) -> dict[str, Any]:
        s = srv()
        core = _core()
        pr = await asyncio.to_thread(core.approver.decide, eid, approve, p, s.clock.now(),
                                     body.note if body else "")
        cp = s.audit.checkpoint()  # the verdict is on disk: its entry is in this checkpoint
        return {"engagement": pr.to_json(), "audit_seq": pr.audit_seq,
                "checkpoint": cp.to_json()}

    @app.post("/api/engagements/{eid}/approve", tags=["decisions"], responses={
        403: {"description": "not an operator of the aircraft's nation"},
        409: {"description": "already decided, expired, or withdrawn by the decision "
                     "core (its engagement ended first)"}})
    async def approve(eid: int, p: Annotated[Principal, Depends(who)],
                      body: VerdictIn | None = None) -> dict[str, Any]:
        """Approve an engagement of your nation's aircraft. The answer comes once the
        approval is on disk in the audit log (its sequence number and checkpoint)."""
        return await _verdict(eid, True, body, p)

    @app.post("/api/engagements/{eid}/deny", tags=["decisions"])
    async def deny(eid: int, p: Annotated[Principal, Depends(who)],
                   body: VerdictIn | None = None) -> dict[str, Any]:
        """Deny an engagement of your nation's aircraft (recorded like an approval)."""
        return await _verdict(eid, False, body, p)

    @app.get("/api/decisions", tags=["decisions"])
    async def decisions(_: Annotated[Principal, Depends(seer)],
                        nation: str | None = None) -> dict[str, Any]:
        """Every approval, denial, expiry and withdrawal on record (from the database)."""
        rows = await asyncio.to_thread(srv().store.decisions, nation)
        return {"decisions": rows}

    # ------------------------------------------------------------------ audit
    @app.get("/api/audit/key", tags=["audit"])
    async def audit_key() -> dict[str, str]:
        """The public key checkpoints are signed with (pin it), and the log's origin."""
        s = srv()
        return {"public_key_pem": public_pem(s.audit.public_key), "origin": s.audit.origin,
                "key_id": key_id(s.audit.public_key)}

    @app.get("/api/audit/checkpoint", tags=["audit"], responses={200: {"model": CheckpointOut}})
    async def audit_checkpoint() -> dict[str, Any]:
        """The latest signed checkpoint (size, root, Ed25519 signature)."""
        return srv().audit.checkpoint().to_json()

    @app.get("/api/audit/entries", tags=["audit"])
    async def audit_entries(_: Annotated[Principal, Depends(seer)],
                            start: int = Query(0, ge=0), end: int | None = Query(None, ge=0)
                            ) -> dict[str, Any]:
        """Entries [start, end) as stored (base64 of the leaf bytes), at most 1000."""
        s = srv()
        end = min(len(s.audit) if end is None else end, start + 1000)
        return {"entries": await asyncio.to_thread(s.audit.entries, start, end)}

    def _size(size: int | None) -> int:
        n = len(srv().audit)
        if size is None:
            return n
        if not 0 <= size <= n:
            raise HTTPException(422, f"tree size {size} outside 0..{n}")
        return size

    @app.get("/api/audit/inclusion", tags=["audit"])
    async def audit_inclusion(index: int = Query(ge=0), size: int | None = None
                              ) -> dict[str, Any]:
        """Audit path of entry `index` in the tree of `size` entries (default: all)."""
        a = srv().audit
        n = _size(size)
        if index >= n:
            raise HTTPException(422, f"no entry {index} in a tree of {n}")
        with a.lock:
            proof = a.tree.inclusion_proof(index, n)
            leaf = a.tree.levels[0][index]
        return {"index": index, "size": n, "leaf_hash": _b64(leaf),
                "proof": [_b64(h) for h in proof]}

    @app.get("/api/audit/consistency", tags=["audit"])
    async def audit_consistency(first: int = Query(ge=0), second: int | None = None
                                ) -> dict[str, Any]:
        """Proof that the log of `first` entries is a prefix of the log of `second`."""
        a = srv().audit
        n = _size(second)
        if first > n:
            raise HTTPException(422, f"first size {first} larger than {n}")
        with a.lock:
            proof = a.tree.consistency_proof(first, n)
        return {"first": first, "second": n, "proof": [_b64(h) for h in proof]}

    # ------------------------------------------------------------------ page
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(web_asset("live.html"))

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        types = {".js": "text/javascript", ".css": "text/css"}
        ext = Path(name).suffix
        if ext not in types or "/" in name or name.startswith("."):
            raise HTTPException(404, "no such file")
        try:
            return Response(web_asset(name), media_type=types[ext])
        except FileNotFoundError:
            raise HTTPException(404, "no such file") from None

    @app.get("/api/scene", tags=["picture"])
    async def scene() -> Response:
        """The static map: borders, zones, bases, radars, sites (the report's renderer)."""
        s = srv()
        cached = getattr(s, "_scene", None)
        if cached is None:
            cached = s._scene = await asyncio.to_thread(_scene_payload, s.cfg.scenario)
        return Response(cached, media_type="application/json")

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, Any]:
        s = srv()
        return {"ok": True, "audit_size": len(s.audit), "steps": s.mission.steps,
                "t": s.clock.now(), "wall": time.time(), "pid": os.getpid(),
                "clients": len(s.broadcaster.clients),
                "dropped": [list(d) for d in s.broadcaster.dropped]}

    @app.get("/api/timings", tags=["ingest"])
    async def timings(_: Annotated[Principal, Depends(seer)],
                      samples_s: float = Query(0.0, ge=0.0, le=600.0)) -> dict[str, Any]:
        """Where the live path's time goes: wall and CPU per stage [ms] (median, p99, mean
        of the last samples), the CPU of the server's threads [s], the last picture step;
        with `samples_s`, the raw samples of that many last seconds too."""
        s = srv()
        m = s.mission
        raw = await asyncio.to_thread(s.timings.samples, samples_s) if samples_s else None
        return {"samples": raw, "now": time.perf_counter(),
                "stages_ms": await asyncio.to_thread(s.timings.to_json),
                "thread_cpu_s": {**m.thread_cpu, "loop": time.thread_time()},
                "process_cpu_s": time.process_time(), "steps": m.steps,
                "last_step_cpu_ms": round(m.last_step_s * 1e3, 3)}

    @app.delete("/api/timings", tags=["ingest"])
    async def clear_timings(p: Annotated[Principal, Depends(who)]) -> dict[str, bool]:
        """Forget the stage samples (coordinator; a measurement starts)."""
        if not p.may_control_clock():
            raise AuthError(f"role {p.role} may not clear the timings", 403)
        srv().timings.clear()
        return {"cleared": True}

    _ = ProofError  # proofs raise only for impossible sizes, checked above
    app.openapi_schema = None
    _orig = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = _orig()
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            comps.update(defs)
            comps.setdefault("EngagementOut", EngagementOut.model_json_schema(
                ref_template="#/components/schemas/{model}"))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _scene_payload(scenario: Scenario) -> str:
    """Scene, palette and labels for the page, as JSON text (built once per server)."""
    from skyshield.report.html import CLASSES, NATIONS, palette, scene_json
    from skyshield.report.scene import build_scene
    from skyshield.report.style import CLASS_LABELS

    return json.dumps({
        "scene": scene_json(build_scene(scenario)), "palette": palette(),
        "meta": {"classLabels": [CLASS_LABELS[c] for c in CLASSES],
                 "nations": list(NATIONS), "epoch": scenario.epoch.isoformat(),
                 "scenario": scenario.name},
    }, separators=(",", ":"), default=lambda v: v.item())
