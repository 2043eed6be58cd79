"""Forms of the benchmarking register."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)

from qms.benchmarking.models import DECISION_LABELS, DIRECTION_LABELS, PEER_KIND_LABELS
from qms.forms import CheckboxList, QMSForm, choices, length, number_range, optional, required


class PeerForm(QMSForm):
    name_zh = StringField(_l("Name"), validators=[required(), length(200)])
    name_en = StringField(_l("Name in English"), validators=[optional(), length(200)])
    city = StringField(_l("City"), validators=[optional(), length(100)])
    kind = SelectField(_l("Kind"), choices=choices((k.value, label) for k, label in PEER_KIND_LABELS.items()),
                       validators=[required()])
    notes = TextAreaField(_l("Notes"), validators=[optional(), length(5000)], render_kw={"rows": 3})


class MetricForm(QMSForm):
    name_zh = StringField(_l("Name"), validators=[required(), length(200)])
    name_en = StringField(_l("Name in English"), validators=[optional(), length(200)])
    unit = StringField(_l("Unit"), validators=[optional(), length(50)])
    direction = SelectField(_l("Direction"), choices=choices((d.value, label) for d, label in DIRECTION_LABELS.items()),
                            validators=[required()])
    numerator_id = SelectField(_l("Numerator"), validators=[optional()],
                               description=_l("For a derived metric: the figure divided (e.g. population)."))
    denominator_id = SelectField(_l("Denominator"), validators=[optional()],
                                 description=_l("For a derived metric: the figure divided by (e.g. staff)."))
    decimals = IntegerField(_l("Decimals shown"), default=0, validators=[optional(), number_range(min=0, max=4)])
    position = IntegerField(_l("Order"), default=0, validators=[optional(), number_range(min=0, max=1000)])


class ValueForm(QMSForm):
    metric_id = SelectField(_l("Metric"), validators=[required()])
    year = IntegerField(_l("Year"), validators=[required(), number_range(min=1900, max=2200)],
                        description=_l("The year in AD (ROC year + 1911)."))
    value = DecimalField(_l("Value"), places=4,
                         validators=[required(), number_range(min=-1_000_000_000, max=1_000_000_000)])
    source = StringField(_l("Source"), validators=[optional(), length(500)],
                         description=_l("Where the figure comes from, e.g. the ministry's statistics."))
    source_date = DateField(_l("Source date"), validators=[optional()])


class NoteForm(QMSForm):
    title = StringField(_l("Title"), validators=[required(), length(300)])
    peer_id = SelectField(_l("Peer organization"), validators=[optional()])
    visited_on = DateField(_l("Visited or studied on"), validators=[optional()])
    practice = TextAreaField(_l("What they do"), validators=[optional(), length(10000)], render_kw={"rows": 4})
    why_it_works = TextAreaField(_l("Why it works"), validators=[optional(), length(10000)], render_kw={"rows": 3})
    decision = SelectField(_l("Decision"), choices=choices((d.value, label) for d, label in DECISION_LABELS.items()),
                           validators=[required()])
    decision_owner_id = SelectField(_l("Decision owner"), validators=[optional()])
    decision_date = DateField(_l("Decision date"), validators=[optional()])


class CompareForm(QMSForm):
    class Meta:
        csrf = False

    year = SelectField(_l("Year"), validators=[optional()])
    metrics = CheckboxList(_l("Metrics"), validators=[optional()])
    trend = SelectField(_l("Trend of"), validators=[optional()])


class ImportForm(QMSForm):
    file = FileField(_l("Spreadsheet (XLSX, ODS or CSV)"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("Long form: Organization, Metric, Year, Value (Source, Source date). Wide form: "
                                    "Organization, Year, then one column per metric. If any row is wrong, nothing "
                                    "is imported."),
                     render_kw={"accept": ".xlsx,.ods,.csv"})
