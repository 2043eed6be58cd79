"""Forms for SPARK initiatives, process improvements, outcome metrics, cores, the list filter and import."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)

from qms.forms import CheckboxList, QMSForm, choices, length, number_range, optional, required
from qms.initiatives.models import CHANNEL_LABELS, STATUS_LABELS, UNIT_LABELS


class InitiativeForm(QMSForm):
    title_zh = StringField(_l("Title"), validators=[required(), length(300)])
    title_en = StringField(_l("Title in English"), validators=[optional(), length(300)])
    core_id = SelectField(_l("SPARK core"), validators=[optional()])
    status = SelectField(_l("Status"), choices=choices((s.value, label) for s, label in STATUS_LABELS.items()),
                         validators=[required()])
    summary = TextAreaField(_l("Summary"), validators=[optional(), length(5000)], render_kw={"rows": 3})
    problem = TextAreaField(_l("Problem"), validators=[optional(), length(5000)], render_kw={"rows": 3},
                            description=_l("What citizens or staff struggled with before."))
    what_changed = TextAreaField(_l("What changed"), validators=[optional(), length(5000)], render_kw={"rows": 3})
    owner_id = SelectField(_l("Owner"), validators=[optional()])
    team = StringField(_l("Team"), validators=[optional(), length(1000)],
                       description=_l("For example the quality circle that built it."))
    start_date = DateField(_l("Start date"), validators=[optional()])
    first_in_nation = BooleanField(_l("First in the nation"))
    first_in_nation_note = StringField(_l("Source for first in the nation"), validators=[optional(), length(1000)],
                                       description=_l("Who says so, and where: a ministry letter, a news report."))
    partners = StringField(_l("Partner organizations"), validators=[optional(), length(1000)])
    channels = CheckboxList(_l("Channels"), choices=choices(CHANNEL_LABELS.items()), validators=[optional()])
    tags = StringField(_l("Tags"), validators=[optional(), length(500)],
                       description=_l("Separated by commas."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        note = self.first_in_nation_note
        if self.first_in_nation.data and not (note.data or "").strip():
            note.errors = [*note.errors, _l("Say where the first-in-the-nation claim comes from.")]
            return False
        return valid


UNIT_CHOICES = choices([("", _l("not recorded"))] + [(u.value, label) for u, label in UNIT_LABELS.items()])
TIME_SPENT_HELP = _l("The citizen's own time per case: at the counter, travelling, filling in forms. A wait of "
                     "days is turnaround, below.")
TURNAROUND_HELP = _l("Elapsed days until the citizen has the result; 0 is on the spot. Leave both empty if not "
                     "recorded.")


class ImprovementForm(QMSForm):
    service = StringField(_l("Service"), validators=[required(), length(300)])
    before_value = DecimalField(_l("Time before"), places=2,
                                 validators=[optional(), number_range(min=0, max=1_000_000)],
                                 description=TIME_SPENT_HELP)
    before_unit = SelectField(_l("Unit before"), choices=UNIT_CHOICES, default="minutes", validators=[optional()])
    after_value = DecimalField(_l("Time after"), places=2, validators=[optional(), number_range(min=0, max=1_000_000)],
                               description=_l("Choose \"on the spot\" for services done while the citizen waits "
                                              "at the counter (counts as 0)."))
    after_unit = SelectField(_l("Unit after"), choices=UNIT_CHOICES, default="minutes", validators=[optional()])
    turnaround_before_days = DecimalField(_l("Turnaround before (days)"), places=2,
                                          validators=[optional(), number_range(min=0, max=100_000)],
                                          description=TURNAROUND_HELP)
    turnaround_after_days = DecimalField(_l("Turnaround after (days)"), places=2,
                                         validators=[optional(), number_range(min=0, max=100_000)],
                                         description=TURNAROUND_HELP)
    stamps_before = IntegerField(_l("Stamp levels before"), validators=[optional(), number_range(min=0, max=100)])
    stamps_after = IntegerField(_l("Stamp levels after"), validators=[optional(), number_range(min=0, max=100)])
    yearly_cases = IntegerField(_l("Cases per year"), validators=[required(), number_range(min=0, max=100_000_000)])
    year = IntegerField(_l("Year measured"), validators=[required(), number_range(min=1990, max=2200)])
    period_note = StringField(_l("Period measured"), validators=[optional(), length(300)],
                              description=_l("For example: January–August."))

    def time_spent_given(self) -> bool:
        """Whether the citizen-time pair is filled in: a time, or "on the spot", on either side."""
        return any(field.data is not None for field in (self.before_value, self.after_value)) or \
            "on_the_spot" in (self.before_unit.data, self.after_unit.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.time_spent_given():
            return valid  # left empty: the improvement may record only its turnaround
        for value, unit in ((self.before_value, self.before_unit), (self.after_value, self.after_unit)):
            if unit.data != "on_the_spot" and value.data is None and not value.errors:
                value.errors = [*value.errors, _l("Enter the time, or choose \"on the spot\".")]
                valid = False
        return valid


class MetricForm(QMSForm):
    name = StringField(_l("Metric"), validators=[required(), length(200)],
                       description=_l("For example: LINE followers, ID cards renewed."))
    unit = StringField(_l("Unit"), validators=[optional(), length(50)])
    observed_on = DateField(_l("Date"), validators=[required()])
    value = DecimalField(_l("Value"), places=2,
                         validators=[required(), number_range(min=-1_000_000_000, max=1_000_000_000)])


class CoreForm(QMSForm):
    name_zh = StringField(_l("Name"), validators=[required(), length(200)])
    name_en = StringField(_l("Name in English"), validators=[optional(), length(200)])
    position = IntegerField(_l("Order"), default=0, validators=[optional(), number_range(min=0, max=1000)])
    active = BooleanField(_l("Active"), default=True)


class FilterForm(QMSForm):
    class Meta:
        csrf = False

    cycle = SelectField(_l("Award cycle"), validators=[optional()])
    core = SelectField(_l("SPARK core"), validators=[optional()])
    status = SelectField(_l("Status"), validators=[optional()])
    channel = SelectField(_l("Channel"), validators=[optional()])
    tag = SelectField(_l("Tag"), validators=[optional()])
    first_in_nation = BooleanField(_l("First in the nation only"))
    sort = SelectField(_l("Sort by"), validators=[optional()])


class ImportForm(QMSForm):
    award_cycle_id = SelectField(_l("Into award cycle"), validators=[required()])
    file = FileField(_l("Spreadsheet (XLSX, ODS or CSV)"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("The columns of the export. Initiatives are matched by title (new ones are "
                                    "created); each row with a service adds a process improvement, or updates the "
                                    "one with the same service, year and period measured. If any row is wrong, "
                                    "nothing is imported."),
                     render_kw={"accept": ".xlsx,.ods,.csv"})
