"""Forms of the publications archive."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField

from qms.archive.models import KIND_LABELS, LANGUAGE_LABELS
from qms.forms import QMSForm, choices, length, number_range, optional, required

_SEPARATORS = re.compile(r"[,，、;；\n]+")


def split_terms(text: str | None) -> list[str]:
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


def parse_holdings(text: str | None) -> list[tuple[str, str]]:
    """One holding per line: "library | call number" (the call number is optional)."""
    found = []
    for line in (text or "").splitlines():
        library, _sep, call_number = line.partition("|")
        if library.strip():
            found.append((library.strip(), call_number.strip()))
    return found


class PublicationForm(QMSForm):
    title = StringField(_l("Title"), validators=[required(), length(300)])
    subtitle = StringField(_l("Subtitle"), validators=[optional(), length(300)])
    kind = SelectField(_l("Kind"), choices=choices((k.value, label) for k, label in KIND_LABELS.items()),
                       validators=[required()])
    authors = TextAreaField(_l("Authors and editors"), validators=[optional(), length(500)],
                            description=_l("One per line."), render_kw={"rows": 2})
    publisher = StringField(_l("Publisher"), validators=[optional(), length(300)])
    year = IntegerField(_l("Year (AD)"), validators=[optional(), number_range(min=1900, max=2200)],
                        description=_l("Shown with the ROC year, e.g. 2015 (ROC 104)."))
    edition = StringField(_l("Edition"), validators=[optional(), length(100)])
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_LABELS.items()), validators=[required()])
    isbn = StringField(_l("ISBN"), validators=[optional(), length(20)],
                       description=_l("ISBN-10 or ISBN-13; hyphens and spaces are ignored."))
    gpn = StringField(_l("GPN"), validators=[optional(), length(20)],
                      description=_l("Government Publication Number: 10 digits."))
    series = StringField(_l("Series"), validators=[optional(), length(300)])
    pages = IntegerField(_l("Pages"), validators=[optional(), number_range(min=1, max=100000)])
    abstract = TextAreaField(_l("Abstract"), validators=[optional(), length(20000)], render_kw={"rows": 5})
    keywords = StringField(_l("Keywords"), validators=[optional(), length(1000)],
                           description=_l("Separated by commas; Chinese commas work too."))
    subjects = StringField(_l("Subjects"), validators=[optional(), length(1000)],
                           description=_l("Separated by commas; Chinese commas work too."))
    holdings = TextAreaField(_l("Holding libraries"), validators=[optional(), length(5000)], render_kw={"rows": 3},
                             description=_l("One library per line, then | and its call number, e.g. "
                                            "“National Central Library | 544.2 8467”."))
    public = BooleanField(_l("Show in the public catalogue"))


class FileForm(QMSForm):
    file = FileField(_l("File (PDF, DOCX, ODT, TXT or HTML)"), validators=[FileRequired(message=_l("Choose a file."))])
    public = BooleanField(_l("Visitors of the public catalogue may download it"))


class CoverForm(QMSForm):
    file = FileField(_l("Cover image (PNG, JPEG, WebP or GIF)"),
                     validators=[FileRequired(message=_l("Choose a file."))])
