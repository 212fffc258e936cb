"""The `vivavoce` command line (SPEC §9): serve, worker, migrate, keys, users, doctor, score."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from vivavoce.config import Settings, get_settings
from vivavoce.kit import embedded_postgres
from vivavoce.kit.db import unit_of_work
from vivavoce.runtime import Database, open_database

app = typer.Typer(help="vivavoce: open, self-hostable AI interviews.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
users_app = typer.Typer(help="Dashboard users.", no_args_is_help=True)
workspaces_app = typer.Typer(help="Workspaces and their slugs.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook tools.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(workspaces_app, name="workspaces")
app.add_typer(webhooks_app, name="webhooks")

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    embedded_postgres.exit_on_terminate()

    async def run() -> T:
        database = await open_database(_settings())
        try:
            return await work(database)
        finally:
            await database.close()

    return asyncio.run(run())


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Run no background worker")
    ] = False,
) -> None:
    """Serve the API, dashboard and candidate pages (and a worker unless --no-worker)."""
    import socket

    import uvicorn

    from vivavoce.app import create_app

    settings = _settings()
    if settings.public_url is None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        shown = f"[{shown}]" if ":" in shown else shown
        settings = settings.model_copy(update={"public_url": f"http://{shown}:{port}"})
    _configure_logging(settings)
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        raise _fail(
            f"cannot listen on {host}:{port}: {exc.strerror}; is vivavoce already running?"
        ) from exc
    finally:
        probe.close()
    typer.echo(f"vivavoce serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    embedded_postgres.exit_on_terminate()
    uvicorn.run(
        create_app(settings, with_worker=not no_worker),
        host=host,
        port=port,
        log_level=settings.log_level,
        # Forwarded headers are believed from configured proxies only: uvicorn's own default
        # trusts 127.0.0.1, which let anyone on the host rotate X-Forwarded-For past the
        # login and join-token throttles.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or "",
    )


@app.command()
def worker() -> None:
    """Run background workers only (any number may run against one database)."""
    from vivavoce.kit.jobs import JobContext, run_worker
    from vivavoce.runtime import job_registry

    settings = _settings()
    _configure_logging(settings)

    async def run(database: Database) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        typer.echo("vivavoce worker running")
        context = JobContext(settings=settings, sessionmaker=database.sessionmaker)
        registry = job_registry()
        # What is loaded by now lives as long as the worker: frozen, it is left out of the
        # collector's full passes (about 0.15 s each on a loaded 2-CPU machine), as in `serve`.
        gc.collect()
        gc.freeze()
        await run_worker(database.url, registry, context, stop)

    _with_database(run)


@app.command()
def sip() -> None:
    """Run the phone channel (docs/phone.md): the SIP endpoint, the due calls, the dial-ins."""
    settings = _settings()
    _configure_logging(settings)
    try:
        import vivavoce.phone.pj  # noqa: F401 - the optional phone extra
    except ImportError:
        raise _fail(
            "phone interviews need the phone extra: pip install 'vivavoce[phone]'"
        ) from None
    from vivavoce.phone.runner import PhoneService
    from vivavoce.voice import live as voice_live

    if None in voice_live.providers(settings):
        raise _fail(
            "phone interviews need server speech-to-text and text-to-speech: install the "
            "voice extra or set VIVAVOCE_STT_BASE_URL and VIVAVOCE_TTS_BASE_URL (docs/voice.md)"
        )

    async def run(database: Database) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        phone = PhoneService(settings, database.sessionmaker)
        await phone.start()
        typer.echo(f"vivavoce sip listening on {settings.sip_listen_address}:{phone.port}")
        try:
            await phone.run(stop)
        finally:
            await phone.stop()

    _with_database(run)


@app.command()
def migrate() -> None:
    """Apply database migrations and exit."""

    async def run(database: Database) -> None:
        from vivavoce.kit import migrations

        revisions = await migrations.current_revisions(database.engine)
        typer.echo(f"database at revision {', '.join(sorted(revisions))}")

    _with_database(run)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="A label for the key")],
    scope: Annotated[
        list[str] | None, typer.Option(help="A scope; repeat for several (default all)")
    ] = None,
    workspace: Annotated[
        str | None, typer.Option(help="Workspace slug (default: the first)")
    ] = None,
) -> None:
    """Create an API key; its secret is printed alone on the last line."""
    from vivavoce.kit.errors import AppError
    from vivavoce.workspaces import service

    async def run(database: Database) -> str:
        async with unit_of_work(database.sessionmaker) as db:
            if not await service.has_workspaces(db):
                await service.bootstrap_if_empty(db)
            target = await service.workspace_for_slug(db, workspace)
            created = await service.create_api_key(db, target.id, name, scope)
            return created.secret

    try:
        secret = _with_database(run)
    except AppError as exc:
        raise _fail(_describe(exc)) from exc
    typer.echo(f"API key '{name}' created. It is shown only this once:")
    typer.echo(secret)


@keys_app.command("list")
def keys_list(workspace: Annotated[str | None, typer.Option(help="Workspace slug")] = None) -> None:
    """List API keys (never their secrets)."""
    from vivavoce.workspaces import service

    async def run(database: Database) -> list[str]:
        async with unit_of_work(database.sessionmaker) as db:
            target = await service.workspace_for_slug(db, workspace)
            keys = await service.list_api_keys(db, target.id)
            return [
                f"{k.id}  {k.prefix}…  {k.name}  {'revoked' if k.revoked_at else 'active'}  "
                f"last used {k.last_used_at or 'never'}"
                for k in keys
            ]

    for line in _with_database(run):
        typer.echo(line)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `keys list`)")],
    workspace: Annotated[str | None, typer.Option(help="Workspace slug")] = None,
) -> None:
    """Revoke an API key at once."""
    import uuid

    from vivavoce.kit.clock import utcnow
    from vivavoce.kit.errors import AppError
    from vivavoce.workspaces import service

    try:
        parsed = uuid.UUID(key_id)
    except ValueError as exc:
        raise _fail(f"not a key id: {key_id}") from exc

    async def run(database: Database) -> None:
        async with unit_of_work(database.sessionmaker) as db:
            target = await service.workspace_for_slug(db, workspace)
            await service.revoke_api_key(db, target.id, parsed, utcnow())

    try:
        _with_database(run)
    except AppError as exc:
        raise _fail(_describe(exc)) from exc
    typer.echo(f"revoked {key_id}")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Login email")],
    password: Annotated[
        str | None, typer.Option(help="Password (default: generated, printed)")
    ] = None,
    role: Annotated[str, typer.Option(help="admin or member")] = "member",
    workspace: Annotated[str | None, typer.Option(help="Workspace slug")] = None,
) -> None:
    """Create a dashboard user."""
    from vivavoce.kit.crypto import random_token
    from vivavoce.kit.errors import AppError
    from vivavoce.workspaces import service

    chosen = password or random_token(12)

    async def run(database: Database) -> None:
        async with unit_of_work(database.sessionmaker) as db:
            if not await service.has_workspaces(db):
                await service.bootstrap_if_empty(db)
            target = await service.workspace_for_slug(db, workspace)
            await service.create_user(db, target.id, email, chosen, role)

    try:
        _with_database(run)
    except AppError as exc:
        raise _fail(_describe(exc)) from exc
    typer.echo(f"user {email} ({role}) created")
    if password is None:
        typer.echo(f"password: {chosen}")


@workspaces_app.command("create")
def workspaces_create(
    slug: Annotated[
        str, typer.Option(help="What `accountSlug` names, e.g. your Intervyo team slug")
    ],
    name: Annotated[str | None, typer.Option(help="Display name (default: the slug)")] = None,
) -> None:
    """Create a workspace; add keys and users to it with `--workspace SLUG`."""
    from vivavoce.workspaces import service

    async def run(database: Database) -> str:
        async with unit_of_work(database.sessionmaker) as db:
            created = await service.create_workspace(db, slug, name or slug)
            return str(created.id)

    workspace_id = _run_app_command(run)
    typer.echo(f"workspace {slug} created ({workspace_id})")


@workspaces_app.command("list")
def workspaces_list() -> None:
    """List workspaces: id, slug, name."""
    from vivavoce.workspaces import service

    async def run(database: Database) -> list[str]:
        async with unit_of_work(database.sessionmaker) as db:
            return [f"{w.id}  {w.slug}  {w.name}" for w in await service.list_workspaces(db)]

    for line in _with_database(run):
        typer.echo(line)


@workspaces_app.command("rename")
def workspaces_rename(
    slug: Annotated[str, typer.Argument(help="The workspace's current slug")],
    new_slug: Annotated[
        str | None, typer.Option("--slug", help="The new slug (what `accountSlug` must name)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The new display name")] = None,
) -> None:
    """Change a workspace's slug and/or name; API keys keep working, `accountSlug` must
    name the new slug at once."""
    from vivavoce.workspaces import service

    if new_slug is None and name is None:
        raise _fail("nothing to change: give --slug and/or --name")

    async def run(database: Database) -> str:
        async with unit_of_work(database.sessionmaker) as db:
            target = await service.workspace_for_slug(db, slug)
            changed = await service.rename_workspace(db, target.id, slug=new_slug, name=name)
            return f"workspace {changed.slug} ({changed.name})"

    typer.echo(f"{_run_app_command(run)} updated")


@webhooks_app.command("listen")
def webhooks_listen(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 9000,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    secret: Annotated[
        str | None,
        typer.Option(envvar="VIVAVOCE_WEBHOOK_SECRET", help="The endpoint's whsec_ secret"),
    ] = None,
) -> None:
    """A local webhook receiver: prints every delivery and whether its signature verifies
    against --secret. Register http://127.0.0.1:PORT/… with vivavoce started with
    VIVAVOCE_WEBHOOKS_ALLOW_PRIVATE=true."""
    import uvicorn

    from vivavoce.events.webhooks.listener import receiver_app

    if secret is not None and not secret.startswith("whsec_"):
        raise _fail("--secret must be the endpoint's whsec_… secret")
    typer.echo(f"listening on http://{host}:{port}/ for webhook deliveries (Ctrl-C stops)")
    app = receiver_app(secret, lambda text: typer.echo(text))
    uvicorn.run(app, host=host, port=port, log_level="warning")


@webhooks_app.command("reseal-secrets")
def webhooks_reseal_secrets() -> None:
    """Re-encrypt every endpoint's stored signing secret under the first VIVAVOCE_SECRET_KEY
    (after putting a new key in front), so the old key can be removed. Signing secrets do
    not change; safe to run again."""
    from vivavoce.events.webhooks.resealing import Resealed, reseal_secrets

    settings = _settings()

    async def run(database: Database) -> Resealed:
        async with unit_of_work(database.sessionmaker) as db:
            return await reseal_secrets(db, settings.secret_key)

    done = _with_database(run)
    typer.echo(f"{done.resealed} of {done.total} endpoints re-encrypted under the newest key")
    if done.unreadable:
        raise _fail(
            f"{done.unreadable} endpoints' secrets open under no listed key: keep the old key "
            "listed, or register those endpoints again"
        )


def _run_app_command(work: Callable[[Database], Awaitable[T]]) -> T:
    """`_with_database`, with business errors printed as one line and exit status 1."""
    from vivavoce.kit.errors import AppError

    try:
        return _with_database(work)
    except AppError as exc:
        raise _fail(_describe(exc)) from exc


@app.command()
def demo(workspace: Annotated[str | None, typer.Option(help="Workspace slug")] = None) -> None:
    """Create a demo profile, template, stages and participant, schedule a session, and
    print its join URL on the last line."""
    from vivavoce.demo import DemoResult, create_demo
    from vivavoce.sessions.service import SessionLinks
    from vivavoce.workspaces import service

    settings = _settings()

    async def run(database: Database) -> DemoResult:
        async with unit_of_work(database.sessionmaker) as db:
            if not await service.has_workspaces(db):
                created = await service.bootstrap_if_empty(db)
                if created is not None:
                    from vivavoce.app import print_bootstrap

                    print_bootstrap(created)
            target = await service.workspace_for_slug(db, workspace)
            links = SessionLinks(settings.base_url, settings.secret_key)
            return await create_demo(db, target.id, links)

    result = _with_database(run)
    typer.echo(f"template    {result.template_id}")
    typer.echo(f"participant {result.participant_id}")
    typer.echo(f"session     {result.session_id}")
    typer.echo(result.join_url)


@app.command()
def doctor() -> None:
    """Check configuration, database and migrations; exit 1 when something is wrong."""
    from vivavoce.kit import migrations

    problems = 0

    def report(ok: bool, what: str, detail: str) -> None:
        nonlocal problems
        problems += 0 if ok else 1
        typer.echo(f"[{'ok' if ok else 'FAIL'}] {what}: {detail}")

    try:
        settings = get_settings()
        report(True, "configuration", f"env={settings.env}, data dir={settings.data_dir}")
    except ValueError as exc:
        report(False, "configuration", str(exc))
        raise typer.Exit(1) from exc
    report(
        settings.env != "production" or settings.secret_key != "dev-insecure-secret-change-me",
        "secret key",
        "set" if settings.secret_key != "dev-insecure-secret-change-me" else "development default",
    )

    async def check() -> None:
        try:
            database = await open_database(settings, migrate=False)
        except Exception as exc:
            report(False, "database", str(exc).splitlines()[0])
            return
        try:
            current = await migrations.current_revisions(database.engine)
            report(
                True,
                "database",
                "embedded PostgreSQL" if settings.embedded else "external PostgreSQL",
            )
            heads = migrations.head_revisions()
            report(
                current == heads,
                "migrations",
                "current"
                if current == heads
                else f"at {current or 'none'}, head {heads}; run `vivavoce migrate`",
            )
        except Exception as exc:
            report(False, "database", str(exc).splitlines()[0])
        finally:
            await database.close()

    asyncio.run(check())
    from vivavoce.interviewer import providers

    llm_ok, llm_detail = asyncio.run(providers.check(settings))
    report(llm_ok, "LLM provider", llm_detail)
    from vivavoce.voice import live as voice

    voice_ok, voice_detail = voice.check(settings)
    report(voice_ok, "voice", voice_detail)
    raise typer.Exit(1 if problems else 0)


def _describe(exc: Exception) -> str:
    from vivavoce.kit.errors import AppError

    if isinstance(exc, AppError):
        details = "; ".join(f"{'.'.join(map(str, i.path))}: {i.message}" for i in exc.issues)
        return f"{exc.message}" + (f" ({details})" if details else "")
    return str(exc)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("alembic", "embedded_postgres"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> None:
    app()


@app.command()
def score(
    transcript: Annotated[
        str, typer.Argument(help='Transcript JSON: {"turns": [{speaker, text, …}]} (or the list)')
    ],
    rubric: Annotated[
        str, typer.Option("--rubric", help="Rubric JSON: agent-profile-shaped dimensions")
    ],
    scorer: Annotated[
        str | None, typer.Option(help="offline or llm (default: VIVAVOCE_SCORING_SCORER)")
    ] = None,
    language: Annotated[str, typer.Option(help="The transcript's language")] = "en",
) -> None:
    """Score a transcript against a rubric and print the scorecard as JSON; nothing is
    stored and no database is needed (rubric calibration; formats in docs/scoring.md)."""
    import json

    from pydantic import ValidationError

    from vivavoce.scoring import service as scoring
    from vivavoce.scoring.schemas import RubricIn, TranscriptIn

    if scorer not in (None, "offline", "llm"):
        raise _fail("--scorer must be offline or llm")
    try:
        with open(transcript, encoding="utf-8") as file:
            transcript_data = json.load(file)
        with open(rubric, encoding="utf-8") as file:
            rubric_data = json.load(file)
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read the input: {exc}") from exc
    if isinstance(transcript_data, list):
        transcript_data = {"turns": transcript_data}
    try:
        parsed_transcript = TranscriptIn.model_validate(transcript_data).to_transcript()
        parsed_rubric = RubricIn.model_validate(rubric_data).to_rubric()
    except ValidationError as exc:
        typer.echo(f"invalid input:\n{exc}", err=True)
        raise typer.Exit(2) from exc
    settings = _settings()
    if scorer == "llm" and not settings.llm_base_url:
        raise _fail("the LLM scorer needs VIVAVOCE_LLM_BASE_URL")
    from vivavoce.interviewer.providers import ProviderError

    try:
        card = asyncio.run(
            scoring.evaluate(
                parsed_rubric, parsed_transcript, settings, language=language, scorer=scorer
            )
        )
    except ProviderError as exc:
        raise _fail(f"LLM scorer: {exc}") from exc
    typer.echo(json.dumps(card.public(), indent=2, ensure_ascii=False))
