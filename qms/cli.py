"""Flask commands: `flask --app wsgi qms create-user|seed-demo`."""
import click
from flask import current_app
from flask.cli import AppGroup

from qms import demo
from qms.auth import services
from qms.auth.models import Role
from qms.core.services import ServiceError

qms_cli = AppGroup("qms", help="QMS administration commands.")


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
    for username, _display, role, password in demo.USERS:
        click.echo(f"  {role.value:8} {username:8} / {password}")
