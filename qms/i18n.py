"""Language and time-zone choice, and the date filters that show ROC (民國) years in Chinese."""
from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from qms.core.services import roc_year


def select_locale() -> str:
    locales = current_app.config["QMS_LOCALES"]
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in locales:
        return chosen
    # Only a browser that prefers English over Chinese moves an anonymous visitor off the default.
    if request.accept_languages.best_match(["zh-TW", "zh", "en"]) == "en":
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_chinese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def html_lang() -> str:
    """The BCP 47 tag for <html lang>: zh-Hant-TW or en."""
    locale = get_locale()
    if locale is None:
        return "zh-Hant-TW"
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


def roc_date(value: dt.date) -> str:
    """民國104年5月31日."""
    return f"民國{roc_year(value.year)}年{value.month}月{value.day}日"


def local_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    if is_chinese():
        return roc_date(value)
    return format_date(value, "medium")


def local_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if is_chinese():
        local = format_datetime(value, "yyyy-MM-dd HH:mm")
        year = int(local[:4])
        return f"民國{roc_year(year)}年{int(local[5:7])}月{int(local[8:10])}日 {local[11:]}"
    return format_datetime(value, "medium")


def register_template_filters(app) -> None:
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_global(html_lang, "html_lang")
