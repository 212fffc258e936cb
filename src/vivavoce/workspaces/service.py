"""Workspaces, users and API keys: creation, authentication, revocation."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vivavoce.kit import crypto, pubsub
from vivavoce.kit.db import StatementPool
from vivavoce.kit.errors import Conflict, Forbidden, Issue, NotFound, Unauthorized, Unprocessable
from vivavoce.models import ApiKey, User, Workspace
from vivavoce.workspaces import repository
from vivavoce.workspaces.scopes import ALL_SCOPES, ROLES

API_KEY_PREFIX = "vv_live_"
# Wide enough for the team slugs of an account moving from Intervyo (`acme-hr`, `Acme_HR`).
_SLUG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
_SLUG_RULE = "letters, digits, `-`, `_` and `.`, 1-63 characters, starting and ending alphanumeric"
_passwords = PasswordHash.recommended()


@dataclass(frozen=True)
class Principal:
    """Who is calling: a workspace, and (for API calls) the key and its scopes."""

    workspace_id: uuid.UUID
    scopes: frozenset[str]
    key_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    # Known when the principal came from `authenticate`: `accountSlug` is checked against it.
    workspace_slug: str | None = None

    def require(self, *scopes: str) -> None:
        """Passes when the key holds any of `scopes`."""
        if self.scopes.isdisjoint(scopes):
            wanted = " or ".join(f"`{scope}`" for scope in scopes)
            raise Forbidden(f"this API key lacks the {wanted} scope", code="missing_scope")

    def holds_any(self, scopes: tuple[str, ...]) -> bool:
        return not self.scopes.isdisjoint(scopes)


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str


def _check_slug(slug: str) -> None:
    if not _SLUG.match(slug):
        raise Unprocessable("workspace slug is not valid", [Issue(["slug"], _SLUG_RULE)])


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > 200:
        raise Unprocessable("workspace name is not valid", [Issue(["name"], "1-200 characters")])


async def create_workspace(db: AsyncSession, slug: str, name: str) -> Workspace:
    _check_slug(slug)
    _check_name(name)
    if await repository.workspace_by_slug(db, slug) is not None:
        raise Conflict(f"workspace `{slug}` already exists", code="workspace_exists")
    workspace = Workspace(slug=slug, name=name.strip())
    db.add(workspace)
    await db.flush()
    return workspace


async def list_workspaces(db: AsyncSession) -> list[Workspace]:
    return await repository.all_workspaces(db)


async def get_workspace(db: AsyncSession, workspace_id: uuid.UUID) -> Workspace:
    workspace = await repository.workspace_by_id(db, workspace_id)
    if workspace is None:
        raise NotFound("workspace")
    return workspace


async def rename_workspace(
    db: AsyncSession, workspace_id: uuid.UUID, *, slug: str | None = None, name: str | None = None
) -> Workspace:
    """Sets the slug (what `accountSlug` must name: a customer moving from Intervyo sets
    their team slug) and/or the display name. Every API process forgets the workspace's
    cached keys when this commits, so the new slug holds at once."""
    workspace = await repository.workspace_for_update(db, workspace_id)
    if workspace is None:
        raise NotFound("workspace")
    if slug is not None and slug != workspace.slug:
        _check_slug(slug)
        if await repository.workspace_by_slug(db, slug) is not None:
            raise Conflict(f"workspace `{slug}` already exists", code="workspace_exists")
        workspace.slug = slug
    if name is not None:
        _check_name(name)
        workspace.name = name.strip()
    try:
        async with db.begin_nested():  # two renames to one free slug at once: one wins
            await db.flush()
    except IntegrityError:
        raise Conflict(f"workspace `{slug}` already exists", code="workspace_exists") from None
    await pubsub.notify(db, KEYS_CHANNEL, f"{WORKSPACE_TOPIC}{workspace.id}")
    return workspace


async def workspace_for_slug(db: AsyncSession, slug: str | None) -> Workspace:
    """The named workspace, or the first one when no slug is given (single-tenant installs)."""
    workspace = (
        await repository.workspace_by_slug(db, slug)
        if slug
        else await repository.first_workspace(db)
    )
    if workspace is None:
        raise NotFound(f"workspace {slug!r}" if slug else "workspace")
    return workspace


async def has_workspaces(db: AsyncSession) -> bool:
    return await repository.count_workspaces(db) > 0


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _passwords.verify(password, password_hash)


async def create_user(
    db: AsyncSession, workspace_id: uuid.UUID, email: str, password: str, role: str = "admin"
) -> User:
    issues = []
    if role not in ROLES:
        issues.append(Issue(["role"], f"must be one of {', '.join(ROLES)}"))
    if "@" not in email or len(email) > 320:
        issues.append(Issue(["email"], "must be an email address"))
    if len(password) < 10:
        issues.append(Issue(["password"], "must be at least 10 characters"))
    if issues:
        raise Unprocessable("user is not valid", issues)
    if await repository.user_by_email(db, email) is not None:
        raise Conflict(f"a user with email {email} already exists", code="user_exists")
    user = User(
        workspace_id=workspace_id, email=email, password_hash=hash_password(password), role=role
    )
    db.add(user)
    await db.flush()
    return user


MAX_PASSWORD_LENGTH = 1024
_dummy_hash: list[str] = []


def _refuse_unknown_user(password: str) -> None:
    verify_password(password, _unknown_user_hash())


def _unknown_user_hash() -> str:
    """A hash to verify against when no such user exists, so an unknown email takes as long
    to refuse as a wrong password."""
    if not _dummy_hash:
        _dummy_hash.append(hash_password(crypto.random_token(16)))
    return _dummy_hash[0]


async def authenticate_user(
    db: AsyncSession, email: str, password: str, now: datetime
) -> User | None:
    """The user with this email and password (its `last_login_at` set to `now`), else None.
    Unknown emails and wrong passwords are indistinguishable, in answer and in time."""
    email = email.strip()
    if not email or len(email) > 320 or len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = await repository.user_by_email(db, email)
    # Argon2 takes tens of milliseconds of CPU (more on a loaded host): on a worker thread, so
    # it never holds up the event loop, and other requests (and the sign-in throttle's checks
    # of a burst of attempts) go on meanwhile.
    if user is None:
        await asyncio.to_thread(_refuse_unknown_user, password)
        return None
    if user.deactivated_at is not None:
        await asyncio.to_thread(verify_password, password, user.password_hash)  # same time
        return None
    if not await asyncio.to_thread(verify_password, password, user.password_hash):
        return None
    user.last_login_at = now
    await db.flush()
    return user


async def get_user(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await repository.user_by_id(db, user_id)


async def active_user(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user, unless unknown or deactivated (what a dashboard request may act as)."""
    user = await repository.user_by_id(db, user_id)
    return None if user is None or user.deactivated_at is not None else user


def login_fingerprint(user: User) -> str:
    """Changes whenever the user's password changes or their sessions are ended
    (`end_sessions`, deactivation): dashboard sessions signed with it end then."""
    return crypto.digest(f"{user.password_hash}|{user.session_epoch}")[:24]


async def end_sessions(db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Ends every dashboard session of the user, on every device (signing out does this:
    a copied cookie stops working too)."""
    user = await _user_for_update(db, workspace_id, user_id)
    user.session_epoch += 1
    await db.flush()


async def list_users(db: AsyncSession, workspace_id: uuid.UUID) -> list[User]:
    return await repository.users_in_workspace(db, workspace_id)


async def _user_for_update(db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = await repository.user_in_workspace_for_update(db, workspace_id, user_id)
    if user is None:
        raise NotFound("user")
    return user


async def _keep_an_admin(db: AsyncSession, workspace_id: uuid.UUID, leaving: uuid.UUID) -> None:
    admins = await repository.lock_active_admins(db, workspace_id)
    if admins == [leaving]:
        raise Conflict(
            "a workspace needs at least one active admin; make someone else admin first",
            code="last_admin",
        )


async def change_role(
    db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> User:
    """Makes the user `admin` or `member`; the last active admin cannot be demoted."""
    if role not in ROLES:
        raise Unprocessable(
            "user is not valid", [Issue(["role"], f"must be one of {', '.join(ROLES)}")]
        )
    if role != "admin":
        await _keep_an_admin(db, workspace_id, user_id)
    user = await _user_for_update(db, workspace_id, user_id)
    user.role = role
    await db.flush()
    return user


async def deactivate_user(
    db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> User:
    """The user can no longer sign in, and their sessions end at once. The last active
    admin cannot be deactivated."""
    await _keep_an_admin(db, workspace_id, user_id)
    user = await _user_for_update(db, workspace_id, user_id)
    if user.deactivated_at is None:
        user.deactivated_at = now
        user.session_epoch += 1
    await db.flush()
    return user


async def reactivate_user(db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = await _user_for_update(db, workspace_id, user_id)
    user.deactivated_at = None
    await db.flush()
    return user


async def create_api_key(
    db: AsyncSession,
    workspace_id: uuid.UUID,
    name: str,
    scopes: list[str] | None = None,
    created_by: uuid.UUID | None = None,
) -> NewApiKey:
    """A new key; its secret exists only in the return value (the table keeps a digest).
    `created_by` is the dashboard user making it: the key then acts as them (their private
    templates, and review audit entries in their name)."""
    chosen = list(ALL_SCOPES) if not scopes else list(dict.fromkeys(scopes))
    unknown = [s for s in chosen if s not in ALL_SCOPES]
    if unknown:
        raise Unprocessable(
            "unknown scope",
            [
                Issue(
                    ["scopes"],
                    f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}",
                )
            ],
        )
    if not name.strip() or len(name) > 200:
        raise Unprocessable("key name is not valid", [Issue(["name"], "1-200 characters")])
    secret = API_KEY_PREFIX + crypto.random_token(32)
    key = ApiKey(
        workspace_id=workspace_id,
        name=name.strip(),
        prefix=secret[: len(API_KEY_PREFIX) + 6],
        digest=crypto.digest(secret),
        scopes=chosen,
        created_by_user_id=created_by,
    )
    db.add(key)
    await db.flush()
    return NewApiKey(key=key, secret=secret)


async def list_api_keys(db: AsyncSession, workspace_id: uuid.UUID) -> list[ApiKey]:
    return await repository.keys_in_workspace(db, workspace_id)


async def revoke_api_key(
    db: AsyncSession, workspace_id: uuid.UUID, key_id: uuid.UUID, now: datetime
) -> ApiKey:
    key = await repository.key_in_workspace(db, workspace_id, key_id)
    if key is None:
        raise NotFound("API key")
    if key.revoked_at is None:
        key.revoked_at = now
        await db.flush()
        # Every API process drops the key from its cache when this transaction commits.
        await pubsub.notify(db, KEYS_CHANNEL, str(key.id))
    return key


async def authenticate_api_key(
    db: AsyncSession, secret: str | None, now: datetime, touch_after: timedelta
) -> Principal:
    """The principal behind a presented key; 401 for a missing, unknown or revoked one."""
    if not secret or not secret.startswith(API_KEY_PREFIX) or len(secret) > 200:
        raise Unauthorized()
    key = await repository.active_key_for_auth(db, crypto.digest(secret))
    if key is None:
        raise Unauthorized("this API key is not valid or has been revoked")
    if key.last_used_at is None or now - key.last_used_at >= touch_after:
        await repository.touch_key(db, key.id, now)
    return Principal(
        workspace_id=key.workspace_id,
        scopes=key.scopes,
        key_id=key.id,
        user_id=key.created_by_user_id,
    )


KEYS_CHANNEL = "vivavoce_api_keys"
# A notification on KEYS_CHANNEL is a key id, or this prefix and a workspace id (its slug
# changed: every cached key of it carries the old one).
WORKSPACE_TOPIC = "workspace:"


@dataclass
class _Cached:
    principal: Principal
    last_used_at: datetime | None
    expires: float


def _concerns(principal: Principal, topic: str) -> bool:
    if topic.startswith(WORKSPACE_TOPIC):
        return str(principal.workspace_id) == topic.removeprefix(WORKSPACE_TOPIC)
    return str(principal.key_id) == topic


class KeyCache:
    """The principals of recently presented API keys, per process, by key digest.

    An entry lives `ttl` seconds at most. Revoking a key notifies `KEYS_CHANNEL` in the
    revoking transaction; every process listening drops the key as soon as that commits, so
    a revoked key is refused at once in every process, not after the TTL. While the
    listening connection is down nothing is cached (a revocation could go unheard), and
    everything cached is dropped when it is lost or comes back.
    """

    def __init__(self, ttl_seconds: float, listener: pubsub.Listener | None, size: int = 10_000):
        self.ttl = ttl_seconds
        self.size = size
        self._listener = listener
        self._entries: dict[str, _Cached] = {}
        # Bumped on every invalidation, so a lookup that raced a revocation is not cached.
        self.generation = 0
        if listener is not None and ttl_seconds > 0:
            listener.watch(self._notified)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def active(self) -> bool:
        return self.ttl > 0 and self._listener is not None and self._listener.listening

    def _notified(self, topic: str | None) -> None:
        self.generation += 1
        if topic is None:
            self._entries.clear()
            return
        for digest in [d for d, e in self._entries.items() if _concerns(e.principal, topic)]:
            del self._entries[digest]

    def get(self, digest: str, now: float) -> _Cached | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.expires <= now or not self.active:
            del self._entries[digest]
            return None
        return entry

    def put(self, digest: str, entry: _Cached, generation: int) -> None:
        if not self.active or generation != self.generation:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[digest] = entry


async def authenticate(
    reads: StatementPool, cache: KeyCache, secret: str | None, now: datetime, touch_after: timedelta
) -> Principal:
    """`authenticate_api_key` for the API's requests: from `cache` when it holds the key,
    otherwise one statement outside any session. `last_used_at` is written at most once per
    `touch_after` per key and process (its own statement, not the request's transaction)."""
    if not secret or not secret.startswith(API_KEY_PREFIX) or len(secret) > 200:
        raise Unauthorized()
    digest = crypto.digest(secret)
    clock = time.monotonic()
    entry = cache.get(digest, clock)
    if entry is None:
        generation = cache.generation
        key = await repository.active_key_read(reads, digest)
        if key is None:
            raise Unauthorized("this API key is not valid or has been revoked")
        principal = Principal(
            workspace_id=key.workspace_id,
            scopes=key.scopes,
            key_id=key.id,
            user_id=key.created_by_user_id,
            workspace_slug=key.workspace_slug,
        )
        entry = _Cached(principal, key.last_used_at, clock + cache.ttl)
        cache.put(digest, entry, generation)
    last_used = entry.last_used_at
    if last_used is None or now - last_used >= touch_after:
        entry.last_used_at = now  # before the write, so concurrent requests do not repeat it
        assert entry.principal.key_id is not None
        await repository.touch_key_read(reads, entry.principal.key_id, now)
    return entry.principal


def check_principal_account(principal: Principal, slug: str | None) -> None:
    """`check_account_slug` for a principal from `authenticate`, which knows its slug."""
    if slug is not None and slug != principal.workspace_slug:
        raise Forbidden(
            "accountSlug does not match this API key's workspace", code="account_mismatch"
        )


async def check_account_slug(db: AsyncSession, principal: Principal, slug: str | None) -> None:
    """`accountSlug`, when sent, must name the key's own workspace."""
    if slug is None:
        return
    workspace = await repository.workspace_by_id(db, principal.workspace_id)
    if workspace is None or workspace.slug != slug:
        raise Forbidden(
            "accountSlug does not match this API key's workspace", code="account_mismatch"
        )


@dataclass(frozen=True)
class Bootstrap:
    workspace: Workspace
    admin_email: str
    admin_password: str
    api_key: str


async def bootstrap_if_empty(db: AsyncSession) -> Bootstrap | None:
    """On the very first run: a workspace, an admin login and an API key (shown once)."""
    await repository.lock_bootstrap(db)
    if await has_workspaces(db):
        return None
    workspace = await create_workspace(db, "default", "My workspace")
    password = crypto.random_token(12)
    email = "admin@vivavoce.local"
    await create_user(db, workspace.id, email, password, role="admin")
    key = await create_api_key(db, workspace.id, "first key")
    return Bootstrap(
        workspace=workspace, admin_email=email, admin_password=password, api_key=key.secret
    )
