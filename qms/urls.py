"""URL helpers shared by views."""
from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None, default_endpoint: str = "core.dashboard") -> str:
    """A redirect target from user input: only a path on this site, never another host."""
    if target:
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/")
                and not target.startswith("//") and "\\" not in target):
            return target
    return url_for(default_endpoint)
