"""Forms for the organization profile, award cycles and the audit-trail filter."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField

from qms.core.models import CYCLE_STATUS_LABELS, CycleStatus
from qms.forms import QMSForm, choices, length, number_range, optional, required


class OrganizationForm(QMSForm):
    name = StringField(_l("Name"), validators=[required(), length(200)])
    name_en = StringField(_l("Name in English"), validators=[optional(), length(200)])
    motto = StringField(_l("Motto"), validators=[optional(), length(200)])
    area_km2 = DecimalField(_l("Area (km²)"), places=4, validators=[optional(), number_range(min=0, max=100_000)],
                            render_kw={"inputmode": "decimal"})
    population = IntegerField(_l("Population"), validators=[optional(), number_range(min=0, max=100_000_000)])
    households = IntegerField(_l("Households"), validators=[optional(), number_range(min=0, max=100_000_000)])
    staff_count = IntegerField(_l("Staff count"), validators=[optional(), number_range(min=0, max=100000)])
    as_of = DateField(_l("Figures as of"), validators=[optional()],
                      description=_l("The date the population, household and staff figures refer to."))


class AwardCycleForm(QMSForm):
    award_name = StringField(_l("Award"), validators=[required(), length(200)],
                             description=_l("For example: Government Service Award."))
    year = IntegerField(_l("Year"), validators=[required(), number_range(min=1990, max=2200)],
                        description=_l("The award year in AD (ROC year + 1911)."))
    submission_deadline = DateField(_l("Submission deadline"), validators=[optional()])
    period_start = DateField(_l("Reporting period: first day"), validators=[optional()],
                             description=_l("The dossier takes only the drills, survey rounds, publications and other "
                                            "records that fall in the period the application reports on."))
    period_end = DateField(_l("Reporting period: last day"), validators=[optional()])
    briefing_minutes = IntegerField(_l("Briefing time allowed (minutes)"),
                                    validators=[optional(), number_range(min=1, max=600)],
                                    description=_l("How long the reviewers give the office's briefing at the site "
                                                   "visit; the briefing deck's planned time is compared with it."))
    status = SelectField(_l("Status"), choices=choices((s.value, label) for s, label in CYCLE_STATUS_LABELS.items()),
                         default=CycleStatus.PREPARING.value, validators=[required()])
    notes = TextAreaField(_l("Notes"), validators=[optional(), length(5000)])


class AuditFilterForm(QMSForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    entity_type = SelectField(_l("Record type"), validators=[optional()])
    action = SelectField(_l("Action"), validators=[optional()])
    actor_id = SelectField(_l("Who"), validators=[optional()])
    since = DateField(_l("From"), validators=[optional()])
    until = DateField(_l("Until"), validators=[optional()])
    text = StringField(_l("Contains"), validators=[optional(), length(200)])
