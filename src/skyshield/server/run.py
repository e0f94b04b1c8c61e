"""The verbs behind `skyshield serve` and `skyshield audit verify` (the CLI only parses)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skyshield.model.scenario import Scenario
from skyshield.server.audit import Checkpoint, Finding, verify_log
from skyshield.server.store import Store, open_store

__all__ = ["VerifyReport", "default_key_path", "prepare_accounts", "serve", "verify_db"]

DEFAULT_DB = "skyshield-server.db"


def default_key_path(db: str) -> Path:
    """Where the signing key lives: beside a SQLite file, else in the working folder."""
    if "://" in db and not db.startswith("sqlite:///"):
        return Path("skyshield-server.key")
    return Path(db.removeprefix("sqlite:///") + ".key")


def prepare_accounts(store: Store, scenario: Scenario, users_file: Path | None,
                     credentials_out: Path) -> tuple[list[dict[str, Any]], Path | None]:
    """Accounts to create at start, and the file of generated passwords (if any).

    With a users file: its accounts. Without one, on a database with no accounts yet: an
    operator per coalition nation, a coordinator, an observer and a feed, with random
    passwords written (mode 0600) to `credentials_out`. Otherwise: none (kept as they are).
    """
    from skyshield.server.auth import (
        check_accounts,
        exercise_accounts,
        load_users_file,
        write_private_json,
    )

    if users_file is not None:
        accounts = load_users_file(users_file)
        check_accounts(accounts, [m.nation for m in scenario.coalition])
        return accounts, None
    if store.query("SELECT COUNT(*) FROM users")[0][0]:
        return [], None
    acc = exercise_accounts([m.nation for m in scenario.coalition])
    write_private_json(credentials_out, acc)
    return acc, credentials_out


def serve(scenario: Scenario, host: str = "127.0.0.1", port: int = 8000,
          db: str = DEFAULT_DB, key: Path | None = None, users: Path | None = None,
          speed: float = 1.0, limits: tuple[float, float] = (50.0, 50_000.0),
          send_timeout_s: float = 2.0, announce: Any = print,
          asterix_port: int | None = None, cot: tuple[str, ...] = ()) -> None:
    """Run the server until interrupted (uvicorn)."""
    import uvicorn

    from skyshield.server.app import ServerConfig, create_app
    from skyshield.server.ingest import MAX_BODY_BYTES, RateLimiter

    store = open_store(db)
    key = key or default_key_path(db)
    accounts, cred = prepare_accounts(store, scenario, users,
                                      Path(str(key).removesuffix(".key") + ".credentials.json"))
    from skyshield.interop.server_hooks import asterix_listener, cot_sender

    hooks = ([asterix_listener(scenario, host, asterix_port)] if asterix_port else []
             ) + [cot_sender(scenario, to) for to in cot]
    cfg = ServerConfig(scenario=scenario, store=store, key_path=key, accounts=accounts,
                       speed=speed, limiter=RateLimiter(*limits), send_timeout_s=send_timeout_s,
                       on_start=hooks)
    app = create_app(cfg)
    announce(f"skyshield serve: {scenario.name} on http://{host}:{port}/ "
             f"(API docs /docs), database {store.url.split('@')[-1]}, key {key}")
    if cred is not None:
        announce(f"exercise accounts (names and passwords): {cred}")
    if asterix_port:
        announce(f"ASTERIX CAT048/CAT062 in on udp://{host}:{asterix_port}")
    for to in cot:
        announce(f"Cursor-on-Target out to {to}")
    uvicorn.run(app, host=host, port=port, log_level="warning", ws_max_size=MAX_BODY_BYTES,
                ws_ping_interval=20, ws_ping_timeout=20, timeout_graceful_shutdown=3,
                ws_per_message_deflate=False)  # one compression per client costs more than it saves


@dataclass(frozen=True)
class VerifyReport:
    """What `verify_db` found."""

    entries: int
    checkpoints: int  # outside checkpoints compared
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """True when the log verifies."""
        return not self.findings


def _public_key(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization

    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        return serialization.load_pem_private_key(data, password=None).public_key()
    return serialization.load_pem_public_key(data)


def verify_db(db: str, key: Path | None = None, checkpoints: list[Path] | None = None
              ) -> VerifyReport:
    """Check a server database's whole audit log (and any checkpoints kept outside it).

    The key (the server's key file, or a pinned public key) defaults to the one beside the
    database; the checkpoint file the server writes beside its key is used when present.
    """
    from skyshield.server.audit import public_pem

    if "://" not in db or db.startswith("sqlite:///"):
        path = Path(db.removeprefix("sqlite:///"))
        if not path.is_file():
            raise FileNotFoundError(f"no database {path}")
    store = open_store(db)
    try:
        key_path = key or default_key_path(db)
        if key_path.exists():
            pub = _public_key(key_path)
            stored = store.get_meta("audit_public_key")
            if stored is not None and stored != public_pem(pub):
                return VerifyReport(0, 0, [Finding("forged_checkpoint", None,
                                    "the database names another public key than "
                                    f"{key_path}: its log was re-signed")])
        else:
            text = store.get_meta("audit_public_key")
            if text is None:
                raise FileNotFoundError(f"no key {key_path} and none in the database")
            from cryptography.hazmat.primitives import serialization

            pub = serialization.load_pem_public_key(text.encode())
        origin = store.get_meta("audit_origin") or ""
        cps = []
        side = Path(str(key_path) + ".checkpoint")
        for p in list(checkpoints or []) + ([side] if side.exists() else []):
            cps.append(Checkpoint.from_json(json.loads(Path(p).read_text())))
        rows = store.audit_rows()
        return VerifyReport(len(rows), len(cps), verify_log(rows, pub, origin, cps))
    finally:
        store.close()
