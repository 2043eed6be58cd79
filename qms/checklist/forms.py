"""Forms of the checklist: framework upload, adopting a framework, items, evidence, import, compare."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, TextAreaField

from qms.checklist.models import ITEM_STATUS_LABELS
from qms.forms import QMSForm, choices, length, optional, required

FILE_REQUIRED = FileRequired(message=_l("Choose a file."))


class FrameworkUploadForm(QMSForm):
    file = FileField(_l("Framework file (YAML)"), validators=[FILE_REQUIRED],
                     description=_l("The same format as the frameworks QMS ships; a changed framework becomes a "
                                    "new version and cycles already using the old one keep it."),
                     render_kw={"accept": ".yaml,.yml"})


class AdoptForm(QMSForm):
    award_cycle_id = SelectField(_l("Award cycle"), validators=[required()])
    framework_id = SelectField(_l("Framework"), validators=[required()])


class ItemForm(QMSForm):
    owner_id = SelectField(_l("Owner"), validators=[optional()])
    due_date = DateField(_l("Due date"), validators=[optional()])
    status = SelectField(_l("Status"), choices=choices((s.value, label) for s, label in ITEM_STATUS_LABELS.items()),
                         validators=[required()])
    score = SelectField(_l("Score"), validators=[optional()],
                        description=_l("Your honest self-assessment on the framework's scale."))
    target_score = SelectField(_l("Target score"), validators=[optional()])
    narrative = TextAreaField(_l("Narrative"), validators=[optional(), length(20000)],
                              description=_l("What the office does for this item. Markdown: **bold**, lists, links."),
                              render_kw={"rows": 8})
    strengths = TextAreaField(_l("Strengths"), validators=[optional(), length(5000)], render_kw={"rows": 4})
    opportunities = TextAreaField(_l("Opportunities for improvement"), validators=[optional(), length(5000)],
                                  render_kw={"rows": 4})


class ImportForm(QMSForm):
    file = FileField(_l("Spreadsheet (XLSX, ODS or CSV)"), validators=[FILE_REQUIRED],
                     description=_l("Columns: Code, Owner (username), Due date, Status — as in the export. "
                                    "If any row is wrong, nothing is imported."),
                     render_kw={"accept": ".xlsx,.ods,.csv"})


class CompareForm(QMSForm):
    class Meta:
        csrf = False

    left = SelectField(_l("Earlier assessment"), validators=[required()])
    right = SelectField(_l("Later assessment"), validators=[required()])
