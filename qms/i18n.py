"""Language and time-zone choice, and how QMS shows dates (ROC 民國 years in Chinese), numbers, percentages and
records named in both languages: one function each, used by the pages, the exports' labels and the PDFs."""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_timezone, get_translations
from flask_login import current_user
from markupsafe import Markup, escape

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


def _babel_state():
    """Flask-Babel's per-request cache (where get_locale, get_timezone and force_locale keep their answers), read
    past its proxies: a list page asks for the language and time zone several times a row, and each
    get_locale() call costs more than the date it helps format."""
    try:
        return vars(g._get_current_object()).get("_flask_babel")
    except RuntimeError:  # no app context
        return None


def _locale():
    locale = getattr(_babel_state(), "babel_locale", None)
    return locale if locale is not None else get_locale()


def _zone():
    zone = getattr(_babel_state(), "babel_tzinfo", None)
    return zone if zone is not None else get_timezone()


def translations():
    """The request's catalogue without Flask-Babel's lookups through `g` (see RequestCachedDomain)."""
    state = _babel_state()
    if state is not None:
        found = getattr(state, "qms_translations", None)
        locale = getattr(state, "babel_locale", None)
        if found is not None and locale is not None and found[0] is locale \
                and getattr(state, "babel_domain", None) is found[1]:
            return found[2]
    return get_translations()


def install_gettext(app) -> None:
    """The templates' _(), gettext, ngettext, pgettext and npgettext, as Flask-Babel installs them but through
    translations(): same catalogue, same Jinja newstyle wrapping (escaping, %(name)s variables)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def is_chinese() -> bool:
    locale = _locale()
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


@functools.cache
def _zoneinfo(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _to_local(value: dt.datetime) -> dt.datetime:
    """A moment in the reader's time zone, as Flask-Babel's to_user_timezone gives it, but through zoneinfo: its
    pytz conversion cost 30 µs a date, a tenth of a list page's time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    zone = _zone()
    name = getattr(zone, "zone", None)  # a pytz zone's name
    return value.astimezone(_zoneinfo(name) if name else zone)


def _local_day(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day of a date, or of a moment in the office's time zone."""
    return _to_local(value).date() if isinstance(value, dt.datetime) else value


def _day_text(day: dt.date, chinese: bool) -> str:
    return roc_date(day) if chinese else babel_format_date(day, "d MMMM y", locale=_locale())


def _moment_text(local: dt.datetime, chinese: bool) -> str:
    day, clock = _day_text(local.date(), chinese), f"{local.hour:02d}:{local.minute:02d}"  # strftime: 4 µs more
    return f"{day} {clock}" if chinese else f"{day}, {clock}"


def date_text(value: dt.date | dt.datetime | None) -> str:
    """A date as people read it, always with its year: 民國115年12月2日 in Chinese, 2 December 2026 in English.
    Exports keep ISO dates instead (machine-readable)."""
    if value is None:
        return ""
    return _day_text(_local_day(value), is_chinese())


def datetime_text(value: dt.datetime | None) -> str:
    """A moment in the office's time zone: 民國115年12月2日 14:05, or 2 December 2026, 14:05."""
    if value is None:
        return ""
    return _moment_text(_to_local(value), is_chinese())


def month_text(year: int, month: int) -> str:
    """A month with its year: 民國115年12月, or December 2026."""
    if is_chinese():
        return f"民國{roc_year(year)}年{month}月"
    return babel_format_date(dt.date(year, month, 1), "MMMM y", locale=_locale())


def _time_element(iso: str, text: str, chinese: bool) -> Markup:
    # The AD date stays at hand in the Chinese UI (a tooltip), and in the markup for machines. An ISO date or
    # moment holds only digits, "-", ":", "+" and "T": only the text needs escaping (f-strings: Markup.format
    # cost more than the rest of a date on long lists).
    title = f' title="{iso[:10]}"' if chinese else ""
    return Markup(f'<time datetime="{iso}"{title}>{escape(text)}</time>')  # nosec B704: text escaped, iso digits


def date_html(value: dt.date | dt.datetime | None) -> Markup:
    """The `date` filter: date_text in a <time> element carrying the ISO date."""
    if value is None:
        return Markup("")
    day, chinese = _local_day(value), is_chinese()
    return _time_element(day.isoformat(), _day_text(day, chinese), chinese)


def datetime_html(value: dt.datetime | None) -> Markup:
    """The `datetime` filter: datetime_text in a <time> element carrying the ISO moment."""
    if value is None:
        return Markup("")
    local, chinese = _to_local(value), is_chinese()
    return _time_element(local.isoformat(timespec="minutes"), _moment_text(local, chinese), chinese)


# --- numbers ----------------------------------------------------------------------------------

NO_FIGURE = "—"


def rounded(value, places: int = 0) -> Decimal | None:
    """A figure rounded half away from zero (62.5 → 63, 61.5 → 62, −0.5 → −1), never to −0; None when there
    is no finite figure. Floats are taken at their shortest decimal form (0.145 stays 0.145, not 0.14499…)."""
    if value is None:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not number.is_finite():
            return None
        result = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return result.copy_abs() if result.is_zero() else result


def number(value, places: int = 0, trim: bool = False) -> str:
    """A figure as the pages, exports' labels and PDFs show it: rounded half away from zero, thousands grouped;
    `trim` drops trailing zeros of the decimals (a weight of 10 reads 10, of 2.5 reads 2.5)."""
    result = rounded(value, places)
    if result is None:
        return NO_FIGURE
    text = f"{result:,.{places}f}"
    return text.rstrip("0").rstrip(".") if trim and "." in text else text


def percent(value, places: int = 0) -> str:
    """A percentage given in percent (62.5 → "63 %"): rounded as number() does."""
    result = rounded(value, places)
    return NO_FIGURE if result is None else f"{result:,.{places}f} %"


# --- records in two languages, and user data in another language than the page -----------------

# CJK punctuation, ideographs, compatibility ideographs and full-width forms.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")


def localized(record, field: str = "name") -> str:
    """The record's `field` in the reader's language (name_zh/name_en, title_zh/title_en, text_zh/text_en ...),
    or in the other language when the reader's is empty. A record whose Chinese is plain `field` (Organization's
    name and name_en) works too."""
    chinese = getattr(record, f"{field}_zh", None) or getattr(record, field, "") or ""
    english = getattr(record, f"{field}_en", "") or ""
    return (chinese or english) if is_chinese() else (english or chinese)


def lang_of(text) -> str:
    """The lang tag user data needs on this page (WCAG 3.1.2): "zh-Hant" for Chinese in the English UI,
    "en" for Latin-only text in the Chinese UI, "" when it is in the page's language or has no words."""
    if not text or not has_request_context():
        return ""
    text = str(text)
    if not is_chinese():
        return "zh-Hant" if CJK.search(text) else ""
    return "en" if LATIN.search(text) and not CJK.search(text) else ""


def lang_attr(text) -> Markup:
    """` lang="zh-Hant"` for an element that holds `text`, or nothing."""
    lang = lang_of(text)  # one of two fixed tags: nothing to escape
    return Markup(f' lang="{lang}"') if lang else Markup("")  # nosec B704: a fixed tag


def user_text(text) -> Markup:
    """User data, in a <span lang> when it is in another language than the page (already-marked HTML is kept)."""
    if text is None:
        return Markup("")
    if isinstance(text, Markup):
        return text
    lang = lang_of(text)  # one of two fixed tags: only the text needs escaping
    return Markup(f'<span lang="{lang}">{escape(text)}</span>') if lang else escape(text)  # nosec B704: escaped


def list_separator() -> str:
    """What runs the items of a list together: 「、」 in Chinese, ", " in English."""
    return "、" if is_chinese() else ", "


def clause_separator() -> str:
    """What runs whole clauses (a list of problems) together: 「；」 in Chinese, "; " in English."""
    return "；" if is_chinese() else "; "


def list_text(items) -> Markup:
    """Items run together as the page's language does: 「甲、乙」 in Chinese, "A, B" in English; each item user data
    marked as user_text does (an item may be a translated label too)."""
    return escape(list_separator()).join(user_text(item if isinstance(item, str) else str(item)) for item in items)


def register_template_filters(app) -> None:
    install_gettext(app)
    app.add_template_filter(date_html, "date")
    app.add_template_filter(datetime_html, "datetime")
    app.add_template_filter(date_text, "date_text")
    app.add_template_filter(datetime_text, "datetime_text")
    app.add_template_global(month_text, "month_text")
    app.add_template_filter(rounded, "rounded")
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_global(localized, "localized")
    app.add_template_global(lang_of, "lang_of")
    app.add_template_global(lang_attr, "lang_attr")
    app.add_template_filter(user_text, "user_text")
    app.add_template_filter(list_text, "list_text")
    app.add_template_global(list_separator, "list_separator")
    app.add_template_global(html_lang, "html_lang")
