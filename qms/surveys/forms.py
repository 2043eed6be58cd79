"""Forms of the surveys: a survey file, a round, the response file and its column mapping, kiosks, cases."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)

from qms.forms import QMSForm, length, number_range, optional, required

FILE_REQUIRED = FileRequired(message=_l("Choose a file."))


class SurveyUploadForm(QMSForm):
    file = FileField(_l("Survey definition (YAML)"), validators=[FILE_REQUIRED], render_kw={"accept": ".yaml,.yml"},
                     description=_l("Dimensions with their rating items (reverse-scored items marked), an optional "
                                    "overall question and a free-text question, as in the shipped survey."))


class RoundForm(QMSForm):
    label = StringField(_l("Round"), validators=[required(), length(200)],
                        description=_l("For example: January–August 2014."))
    period_start = DateField(_l("From"), validators=[optional()])
    period_end = DateField(_l("Until"), validators=[optional()])
    handed_out = IntegerField(_l("Forms handed out"), validators=[optional(), number_range(min=0, max=1_000_000)])
    returned = IntegerField(_l("Forms returned"), validators=[optional(), number_range(min=0, max=1_000_000)])
    max_blank_share = DecimalField(_l("Largest share of blank answers in a valid response"), places=2, default=0.5,
                                   validators=[required(), number_range(min=0, max=1)],
                                   description=_l("0.5: a form with more than half its rating questions blank is "
                                                  "invalid."))
    exclude_straight_lining = BooleanField(_l("Exclude straight-lining (the same answer to every rating question)"))
    printed_margin = DecimalField(_l("Sampling error printed in the report (%)"), places=2,
                                  validators=[optional(), number_range(min=0, max=100)],
                                  description=_l("Optional: QMS explains which assumptions give it."))


class ResponsesUploadForm(QMSForm):
    file = FileField(_l("Responses (XLSX, ODS or CSV)"), validators=[FILE_REQUIRED],
                     render_kw={"accept": ".xlsx,.ods,.csv"},
                     description=_l("One row per returned form, first row the column names. The next step maps "
                                    "columns to questions."))


class MappingForm(QMSForm):
    upload = HiddenField()  # the stored upload, by its random name


class KioskForm(QMSForm):
    name = StringField(_l("Kiosk or counter"), validators=[required(), length(200)],
                       description=_l("For example: counter 3 tablet."))


class CaseForm(QMSForm):
    owner_id = SelectField(_l("Owner"), validators=[optional()])
    response_to_citizen = TextAreaField(_l("Response to the citizen"), validators=[optional(), length(5000)],
                                        render_kw={"rows": 3})
    improvement = TextAreaField(_l("Improvement made"), validators=[optional(), length(5000)], render_kw={"rows": 3})
    closed_on = DateField(_l("Closed on"), validators=[optional()])


class VoteForm(QMSForm):
    satisfied = HiddenField(validators=[required()])
    reason = TextAreaField(_l("What went wrong? (optional)"), validators=[optional(), length(2000)],
                           render_kw={"rows": 3})
    contact = StringField(_l("How can we reach you? (optional)"), validators=[optional(), length(200)])
