"""The `flask --app wsgi qms …` command group: QMS's own commands and each feature's are added here.

    import click
    from qms.spine import commands

    @commands.command("import-frameworks")
    def import_frameworks(): ...
"""
from __future__ import annotations

from typing import Callable

import click
from flask.cli import AppGroup

qms_cli = AppGroup("qms", help="QMS administration commands.")


def add(command: click.Command) -> click.Command:
    """Add a feature's command (or group) to the `qms` group; adding one of the same name again replaces it."""
    qms_cli.add_command(command)
    return command


def command(name: str, **options) -> Callable[[Callable], click.Command]:
    """Decorator: `@commands.command("name")` makes a click command and adds it to the `qms` group."""
    def decorator(function: Callable) -> click.Command:
        return add(click.command(name, **options)(function))
    return decorator
