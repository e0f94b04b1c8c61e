"""Servers as real subprocesses on free loopback ports, stopped by their process id."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PG_ENV = "SKYSHIELD_TEST_POSTGRES"
ACCOUNTS = [
    {"name": "pl", "password": "pl-secret", "role": "operator", "nation": "POL"},
    {"name": "ro", "password": "ro-secret", "role": "operator", "nation": "ROU"},
    {"name": "sk", "password": "sk-secret", "role": "operator", "nation": "SVK"},
    {"name": "coord", "password": "coord-secret", "role": "coordinator"},
    {"name": "obs", "password": "obs-secret", "role": "observer"},
    {"name": "feed", "password": "feed-secret", "role": "sensor"},
]
PASSWORD = {a["name"]: a["password"] for a in ACCOUNTS}


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env() -> dict[str, str]:
    """The environment of a server subprocess: this checkout's source first."""
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(SRC), e.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return e


class ServerProcess:
    """`skyshield serve` in a subprocess; `url`, `pid`, `stop()`, `kill()`."""

    def __init__(self, workdir: Path, scenario: str = "western-night", db: str | None = None,
                 extra: list[str] | None = None, users: bool = True) -> None:
        self.workdir = workdir
        self._tokens: dict[str, str] = {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = db or str(workdir / "server.db")
        self.key = workdir / "server.key"
        if users:
            (workdir / "users.json").write_text(json.dumps(users_file()))
        cmd = [sys.executable, "-m", "skyshield.cli", "serve", scenario, "--port",
               str(self.port), "--db", self.db, "--key", str(self.key)]
        cmd += ["--users", str(workdir / "users.json")] if users else []
        self.log = open(workdir / f"server-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd + (extra or []), cwd=workdir, env=env(),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self._wait_up()

    def _wait_up(self, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}): "
                                   f"{(self.workdir / self.log.name).read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError("server did not answer within 60 s")

    def stop(self) -> None:
        """SIGTERM by pid, then SIGKILL if it lingers."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def kill(self) -> None:
        """SIGKILL by pid (no clean-up runs in the server)."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(10)

    def token(self, name: str, fresh: bool = False) -> str:
        """A token of an account, signed in once per server (argon2 costs CPU on both sides;
        tokens last a shift); `fresh`: sign in again."""
        if fresh or name not in self._tokens:
            r = httpx.post(self.url + "/api/login", json={"name": name,
                           "password": PASSWORD[name]}, timeout=60.0)  # a loaded machine
            r.raise_for_status()
            self._tokens[name] = r.json()["token"]
        return self._tokens[name]

    def client(self, name: str | None = None) -> httpx.Client:
        h = {"Authorization": f"Bearer {self.token(name)}"} if name else {}
        return httpx.Client(base_url=self.url, headers=h, timeout=30.0)


@pytest.fixture()
def server_factory(tmp_path: Path):
    started: list[ServerProcess] = []

    def start(**kw) -> ServerProcess:  # noqa: ANN003
        s = ServerProcess(kw.pop("workdir", tmp_path), **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def postgres_url() -> str | None:
    """The test PostgreSQL (from .ci/run) if one answers, else None."""
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return url
    except Exception:  # noqa: BLE001 - unreachable for any reason: skip
        return None


@pytest.fixture()
def pg_url() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(f"no PostgreSQL reachable (set {PG_ENV}; .ci/run starts one)")
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:  # a clean database for each test
        for t in ("audit", "decisions", "users", "meta"):
            c.execute(f"DROP TABLE IF EXISTS {t}")
    return url


ACCOUNTS.append({"name": "feed2", "password": "feed2-secret", "role": "sensor"})
PASSWORD["feed2"] = "feed2-secret"
PLAIN = {"sk"}  # given to the server as a password (hashed there at full cost, on start)
_HASHED: list[dict] = []


def users_file() -> list[dict]:
    """The accounts as the servers get them: argon2id hashes made here, once, at a low cost
    (every server start re-creates its accounts, and every sign-in verifies a hash: at the
    default cost that is about half a second of CPU each); `PLAIN` ones as passwords."""
    if not _HASHED:
        from argon2 import PasswordHasher

        fast = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
        for a in ACCOUNTS:
            b = {k: v for k, v in a.items() if k != "password"}
            _HASHED.append(a if a["name"] in PLAIN else {**b, "hash": fast.hash(a["password"])})
    return _HASHED


def targets_scan(n: int, t: float, sensor: int = 0, sigma_m: float = 100.0, seed: int = 0,
                 lat0: float = 50.2, lon0: float = 24.5) -> list[dict]:
    """Wire plots of `n` targets flying west at 50 m/s, 4 km apart, measured at time t."""
    from skyshield.geo.frame import THEATRE

    rng = np.random.default_rng([seed, int(t * 1000)])
    xy0 = THEATRE.to_xy(lat0, lon0)
    k = np.arange(n)
    x = xy0[0] + 4000.0 * (k % 20) - 50.0 * t
    y = xy0[1] + 4000.0 * (k // 20)
    x, y = x + rng.normal(0, sigma_m, n), y + rng.normal(0, sigma_m, n)
    lat, lon = THEATRE.from_xy(np.c_[x, y])
    return [{"t": t, "sensor": sensor, "lat": float(lat[i]), "lon": float(lon[i]),
             "alt_m": 500.0, "sigma_h_m": sigma_m, "sigma_v_m": 200.0} for i in range(n)]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for test artefacts (screenshots), gitignored."""
    out = Path(__file__).resolve().parents[2] / "test-artifacts"
    out.mkdir(exist_ok=True)
    return out
