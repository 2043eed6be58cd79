"""QMS's own commands on the spine's `qms` group: create-user, seed-demo, demo-logins and search.

Features add theirs through qms.spine.commands; this module imports no feature, and the demo set is
imported only when its commands run.
"""
import click
from flask import current_app

from qms.auth import services
from qms.core.services import ServiceError
from qms.spine.access import Role
from qms.spine.commands import qms_cli


@qms_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--display-name", default="", help="Name shown in QMS (defaults to the username).")
@click.option("--email", default="")
@click.option("--locale", type=click.Choice(["zh_Hant_TW", "en"]), default="zh_Hant_TW")
@click.password_option(help="Asked for (twice) when not given.")
def create_user(username, role, display_name, email, locale, password):
    """Create a user with ROLE; asks for the password."""
    try:
        user = services.create_user({"username": username, "display_name": display_name or username,
                                     "email": email, "role": role, "locale": locale}, password, actor=None,
                                    min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.username} ({user.role.value}).")


@qms_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Load the demo set even though the database holds other data.")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty (used by `make run`).")
def seed_demo(force, if_empty):
    """Load the Luzhu office demo data (idempotent)."""
    from qms import demo

    if if_empty and not demo.is_empty():
        click.echo("Database already holds data; demo data not loaded.")
        return
    try:
        created = demo.seed_demo(force=force)
    except demo.NonDemoData as error:
        raise click.ClickException(
            f"The database holds data that is not demo data ({error}). Use --force to load the demo set anyway."
        ) from None
    if created:
        click.echo("Loaded demo data: " + "; ".join(created))
    else:
        click.echo("Demo data already present; nothing changed.")


@qms_cli.command("demo-logins")
def demo_logins():
    """Print the demo accounts and their passwords."""
    from qms import demo

    for username, _display, role, password in demo.USERS:
        click.echo(f"  {role.value:8} {username:8} / {password}")


@qms_cli.group("search")
def search_cli():
    """The full-text search index: reindex, check, sync, status."""


@search_cli.command("reindex")
@click.option("--procs", type=int, default=1, show_default=True,
              help="Processes that segment and index in parallel.")
def search_reindex(procs):
    """Rebuild the index from the database (search keeps working on the old one meanwhile)."""
    from qms import search
    from qms.extensions import db

    total = search.count_searchable(db.session)
    with click.progressbar(length=total, label=f"Indexing {total} records", show_pos=True) as bar:
        written = search.reindex(progress=bar.update, procs=procs)
    where = search.index_dir() if search.backend() == "whoosh" else "the database's search_document table"
    click.echo(f"Indexed {written} records into {where}.")


@search_cli.command("check")
def search_check():
    """Report records missing from the index and index entries with no record (exit 1 if any)."""
    from qms import search

    try:
        missing, extra = search.check()
    except search.IndexUnavailable as error:
        raise click.ClickException(f"The index is {error.reason} ({error.detail or search.index_dir()}); "
                                   "run `flask --app wsgi qms search reindex`.") from None
    state = search.status()
    stale: set[str] = set()
    if search.backend() == "postgres":  # its check also finds rows out of date, reported among the missing
        from qms import search_postgres

        stale = set(search_postgres.check_report().stale)
        for key in sorted(stale):
            click.echo(f"out of date in the index: {key}")
        missing = [key for key in missing if key not in stale]
    for key in missing:
        click.echo(f"missing from the index: {key}")
    for key in extra:
        click.echo(f"in the index but not in the database: {key}")
    click.echo(f"{state.documents} documents indexed; {len(missing)} missing, {len(extra)} extra; "
               f"{state.pending} changes queued.")
    if stale:
        click.echo(f"{len(stale)} out of date.")
    if missing or extra or stale:
        raise SystemExit(1)


@search_cli.command("sync")
def search_sync():
    """Apply queued changes that an earlier update could not write."""
    from qms import search

    try:
        applied = search.sync()
    except search.IndexUnavailable as error:
        raise click.ClickException(f"The index is {error.reason}; run `flask --app wsgi qms search reindex`.") \
            from None
    click.echo(f"Applied {applied} queued changes.")


@search_cli.command("ensure")
def search_ensure():
    """Build the index if it is missing or was built by another version (used by `make run`)."""
    from qms import search

    state = search.status()
    if state.ok:
        if state.pending:
            search.sync()
        click.echo(f"Search index ready: {state.documents} documents.")
        return
    click.echo(f"Search index {state.state}; rebuilding.")
    search_reindex.callback(procs=1)
