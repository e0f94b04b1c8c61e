"""Operators, roles and tokens: who may see, feed, approve and deny.

Roles:

- ``operator``: a nation's operator; sees the coalition picture, approves or denies the
  engagements of *that nation's* aircraft only;
- ``coordinator``: coalition coordinator (exercise staff); sees everything, approves
  nothing; may set the exercise clock;
- ``observer``: read only;
- ``sensor``: a radar feed; may post plots and set the exercise clock, sees nothing else.

Passwords are stored as argon2id hashes (`argon2-cffi`). A token is
``base64url(claims) . base64url(HMAC-SHA256(secret, claims))`` with claims
``{sub, nation, role, iat, exp}``; the secret is derived (HKDF) from the server's signing
key, so tokens survive a restart and die with a new key. The nation a request acts for is
always the token's, never one the request names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from skyshield.server.store import Store

__all__ = [
    "ROLES",
    "AuthError",
    "Principal",
    "TokenSigner",
    "Users",
    "load_users_file",
]

ROLES = ("operator", "coordinator", "observer", "sensor")
TOKEN_TTL_S = 8 * 3600.0  # a shift [s]


class AuthError(Exception):
    """Authentication or authorisation refused (the message is safe to show)."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for."""

    name: str
    nation: str | None
    role: str
    exp: float  # expiry, UNIX time [s]

    def may_approve(self, nation: str) -> bool:
        """True only for an operator of `nation`."""
        return self.role == "operator" and self.nation is not None and self.nation == nation

    def may_see(self) -> bool:
        """Operators, coordinators and observers see the picture; sensors do not."""
        return self.role in ("operator", "coordinator", "observer")

    def may_feed(self) -> bool:
        """Sensor feeds post plots."""
        return self.role == "sensor"

    def may_control_clock(self) -> bool:
        """Exercise staff and feeds set the exercise clock."""
        return self.role in ("coordinator", "sensor")


def _b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _unb64u(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class TokenSigner:
    """Issues and checks HMAC-signed, expiring tokens."""

    def __init__(self, secret: bytes, ttl_s: float = TOKEN_TTL_S) -> None:
        """`secret`: at least 32 random bytes."""
        if len(secret) < 32:
            raise ValueError("token secret too short")
        self.secret, self.ttl_s = secret, ttl_s

    @classmethod
    def from_key(cls, key: Ed25519PrivateKey, ttl_s: float = TOKEN_TTL_S) -> TokenSigner:
        """Derive the secret from the server's signing key (HKDF-SHA256)."""
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                      info=b"skyshield operator tokens").derive(raw)
        return cls(secret, ttl_s)

    def issue(self, name: str, nation: str | None, role: str, now: float | None = None,
              ttl_s: float | None = None) -> str:
        """A token for an account."""
        now = time.time() if now is None else now
        claims = {"sub": name, "nation": nation, "role": role, "iat": int(now),
                  "exp": now + (self.ttl_s if ttl_s is None else ttl_s)}
        body = _b64u(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        mac = hmac.new(self.secret, body.encode(), hashlib.sha256).digest()
        return f"{body}.{_b64u(mac)}"

    def check(self, token: str | None, now: float | None = None) -> Principal:
        """The principal of a valid, unexpired token; raises AuthError otherwise."""
        if not token:
            raise AuthError("sign in first: no token")
        body, sep, mac = token.partition(".")
        if not sep:
            raise AuthError("malformed token")
        want = hmac.new(self.secret, body.encode(), hashlib.sha256).digest()
        try:
            got = _unb64u(mac)
            claims = json.loads(_unb64u(body))
        except (ValueError, TypeError):
            raise AuthError("malformed token") from None
        if not hmac.compare_digest(want, got):
            raise AuthError("invalid token signature")
        try:
            p = Principal(str(claims["sub"]), claims["nation"], str(claims["role"]),
                          float(claims["exp"]))
        except (KeyError, TypeError, ValueError):
            raise AuthError("malformed token") from None
        if p.role not in ROLES:
            raise AuthError("malformed token")
        if (time.time() if now is None else now) >= p.exp:
            raise AuthError("token expired: sign in again")
        return p


class Users:
    """Accounts in the store, checked with argon2."""

    def __init__(self, store: Store, hasher: PasswordHasher | None = None) -> None:
        """Accounts live in `store`'s users table."""
        self.store = store
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None  # hashed on the first unknown name (equal work)

    def add(self, name: str, password: str | None, role: str, nation: str | None = None,
            hash_: str | None = None) -> None:
        """Create or replace an account: the password is hashed here, or `hash_` is an
        argon2 hash of it made elsewhere (an accounts file need not hold passwords)."""
        if role not in ROLES:
            raise ValueError(f"role {role!r}: expected one of {', '.join(ROLES)}")
        if role == "operator" and not nation:
            raise ValueError(f"operator {name!r} needs a nation")
        if hash_ is not None:
            check_hash(hash_, name)
        elif not password:
            raise ValueError(f"account {name!r} has an empty password")
        self.store.put_user(name, nation if role == "operator" else nation or None, role,
                            hash_ or self.hasher.hash(password))

    def authenticate(self, name: str, password: str) -> tuple[str, str | None, str]:
        """(name, nation, role) for a right password; AuthError otherwise."""
        row = self.store.get_user(name)
        if row is None and self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_hex(8))
        try:
            self.hasher.verify(row[3] if row else self._dummy, password)
        except (VerificationError, InvalidHashError):
            raise AuthError("wrong user name or password") from None
        if row is None:
            raise AuthError("wrong user name or password")
        return row[0], row[1], row[2]


def load_users_file(path: Path) -> list[dict[str, Any]]:
    """Accounts from a JSON or YAML file: a list of {name, password, role, nation}."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        from ruamel.yaml import YAML

        data = YAML(typ="safe").load(text)
    else:
        data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("users", [])
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of accounts")
    out = []
    for i, u in enumerate(data):
        if not isinstance(u, dict) or not {"name", "role"} <= set(u) or not (
                "password" in u or "hash" in u):
            raise ValueError(f"{path}: account {i + 1} needs name, password (or its argon2 "
                             "hash) and role")
        a = {"name": str(u["name"]), "role": str(u["role"]), "nation": u.get("nation")}
        if "hash" in u:
            try:
                a["hash"] = check_hash(u["hash"], a["name"])
            except ValueError as e:
                raise ValueError(f"{path}: account {i + 1}: {e}") from None
        else:
            a["password"] = str(u["password"])
        out.append(a)
    return out


def check_hash(h: object, name: str) -> str:
    """An argon2 password hash (PHC string) as given for an account; ValueError otherwise."""
    from argon2 import extract_parameters

    if not isinstance(h, str) or not h.startswith(("$argon2id$", "$argon2i$")):
        raise ValueError(f"account {name!r}: 'hash' must be an argon2id hash ($argon2id$...)")
    try:
        extract_parameters(h)
    except InvalidHashError:
        raise ValueError(f"account {name!r}: 'hash' is not a valid argon2 hash") from None
    return h


def check_accounts(accounts: list[dict[str, Any]], nations: list[str]) -> None:
    """Refuse accounts a server could not create: unknown role, an operator without a
    coalition nation, an empty password, a name given twice (ValueError naming it)."""
    seen: set[str] = set()
    for i, a in enumerate(accounts, 1):
        name = a.get("name")
        where = f"account {i} ({name!r})"
        if a.get("role") not in ROLES:
            raise ValueError(f"{where}: role {a.get('role')!r}, expected one of "
                             f"{', '.join(ROLES)}")
        if a["role"] == "operator" and a.get("nation") not in nations:
            raise ValueError(f"{where}: an operator needs a nation of the coalition "
                             f"({', '.join(nations)}), not {a.get('nation')!r}")
        if not a.get("password") and not a.get("hash"):
            raise ValueError(f"{where}: empty password")
        if name in seen:
            raise ValueError(f"{where}: the name is given twice")
        seen.add(name)


def exercise_accounts(nations: list[str]) -> list[dict[str, Any]]:
    """One operator per coalition nation, a coordinator, an observer and a feed, with
    random passwords (written once to a 0600 file by the server for the exercise staff)."""
    acc = [{"name": n.lower(), "password": secrets.token_urlsafe(9), "role": "operator",
            "nation": n} for n in nations]
    acc += [{"name": r, "password": secrets.token_urlsafe(9), "role": r, "nation": None}
            for r in ("coordinator", "observer")]
    acc.append({"name": "feed", "password": secrets.token_urlsafe(12), "role": "sensor",
                "nation": None})
    return acc


def write_private_json(path: Path, obj: Any) -> None:
    """Write JSON to a file only its owner can read."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=1)
