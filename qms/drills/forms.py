"""Forms for drills (with one score field per criterion, built for the scorecard), actions, scenarios, plans."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)

from qms.drills.models import CHANNEL_LABELS, ScaleKind
from qms.drills.services import NOT_APPLICABLE, check_scores
from qms.forms import QMSForm, choices, length, number_range, optional, required
from qms.i18n import localized

CHANNEL_CHOICES = choices((c.value, label) for c, label in CHANNEL_LABELS.items())


class DrillForm(QMSForm):
    occurred_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[required()],
                                     description=_l("Local time of the visit, call or message."))
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES, validators=[required()])
    scenario_id = SelectField(_l("Scenario"), validators=[optional()])
    shopper_id = SelectField(_l("Shopper"), validators=[optional()])
    shopper_name = StringField(_l("Outside shopper"), validators=[optional(), length(120)],
                               description=_l("If the shopper is not a QMS user."))
    unit_observed = StringField(_l("Counter or unit observed"), validators=[required(), length(200)])
    staff_names = StringField(_l("Staff observed"), validators=[optional(), length(300)],
                              description=_l("Optional; only the quality team and admins can see it."))
    waiting_minutes = DecimalField(_l("Waiting time (minutes)"), places=1,
                                   validators=[optional(), number_range(min=0, max=1440)])
    handling_minutes = DecimalField(_l("Handling time (minutes)"), places=1,
                                    validators=[optional(), number_range(min=0, max=1440)])
    comments = TextAreaField(_l("Overall comments"), validators=[optional(), length(5000)], render_kw={"rows": 3})


def score_choices(criterion) -> list:
    """A blank "choose" first (no answer: a criterion starts unscored), the scale best first, not applicable last."""
    if criterion.scale == ScaleKind.YES_NO:
        scale = [("1", _l("Yes")), ("0", _l("No"))]
    elif criterion.scale == ScaleKind.ONE_TO_FIVE:
        scale = [(str(n), str(n)) for n in range(5, 0, -1)]
    else:
        scale = [(str(n), str(n)) for n in range(int(criterion.max_points), -1, -1)]
    return choices([("", _l("Choose…")), *scale, (NOT_APPLICABLE, _l("Not applicable"))])


def score_attributes(criterion) -> dict:
    """What static/js/drill-score.js needs to add the running total up as scoring.py does."""
    attributes = {"data-weight": str(criterion.weight), "data-scale": ScaleKind(criterion.scale).value,
                  "data-critical": "1" if criterion.critical else "0", "aria-required": "true"}
    if criterion.max_points is not None:
        attributes["data-max-points"] = str(criterion.max_points)
    return attributes


class ScoredDrillForm(DrillForm):
    """The criteria's own checks (services.check_scores) run with the other fields', so all show at once."""

    criteria: list = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        _clean, problems = check_scores(self.criteria, {c.id: (self[f"score_{c.id}"].data,
                                                               self[f"remark_{c.id}"].data) for c in self.criteria})
        for name, message in problems.items():
            if not self[name].errors:  # one message a field: a refused choice already says what is wrong
                self[name].errors = [message]
            valid = False
        return valid


def drill_form_class(criteria):
    """A DrillForm with a score and a remark field for each criterion of the scorecard."""
    fields: dict = {"criteria": list(criteria)}
    for criterion in criteria:
        fields[f"score_{criterion.id}"] = SelectField(f"{criterion.code} {localized(criterion, 'text')}",
                                                      choices=score_choices(criterion), validators=[optional()],
                                                      render_kw=score_attributes(criterion))
        fields[f"remark_{criterion.id}"] = StringField(_l("Remark on %(code)s", code=criterion.code),
                                                       validators=[optional(), length(500)])
    return type("ScoredDrillForm", (ScoredDrillForm,), fields)


class ActionForm(QMSForm):
    title = StringField(_l("Corrective action"), validators=[required(), length(300)])
    owner_id = SelectField(_l("Owner"), validators=[optional()])
    due_date = DateField(_l("Due date"), validators=[optional()])
    root_cause = TextAreaField(_l("Root cause"), validators=[optional(), length(5000)], render_kw={"rows": 3})
    action_taken = TextAreaField(_l("Action taken"), validators=[optional(), length(5000)], render_kw={"rows": 3})


class SupervisorForm(QMSForm):
    unit = StringField(_l("Counter or unit observed"), validators=[required(), length(200)],
                       description=_l("Written exactly as drills record the unit observed."))
    user_id = SelectField(_l("Supervisor"), validators=[required()],
                          description=_l("Suggested owner of the corrective actions a failed drill of this unit "
                                         "proposes."))


class VerifyForm(QMSForm):
    effectiveness_check = TextAreaField(_l("Effectiveness check"), validators=[required(), length(5000)],
                                        description=_l("How you checked that the problem no longer occurs (a "
                                                       "re-drill, records, a spot check)."),
                                        render_kw={"rows": 3})
    effective = SelectField(_l("Result"), choices=choices([("yes", _l("Effective: close the action")),
                                                           ("no", _l("Not effective: reopen the action"))]),
                            validators=[required()])


class ScenarioForm(QMSForm):
    title_zh = StringField(_l("Title"), validators=[required(), length(300)])
    title_en = StringField(_l("Title in English"), validators=[optional(), length(300)])
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES, validators=[required()])
    request = TextAreaField(_l("What the shopper asks"), validators=[optional(), length(5000)], render_kw={"rows": 3})
    expected = TextAreaField(_l("Correct handling"), validators=[optional(), length(5000)], render_kw={"rows": 3})
    should_refuse = BooleanField(_l("A request that should be refused politely"))
    active = BooleanField(_l("Active"), default=True)


class PlanForm(QMSForm):
    year = IntegerField(_l("Year"), validators=[required(), number_range(min=1990, max=2200)])
    month = IntegerField(_l("Month"), validators=[required(), number_range(min=1, max=12)])
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES, validators=[required()])
    planned = IntegerField(_l("Drills planned"), validators=[required(), number_range(min=0, max=100)])


class BandsForm(QMSForm):
    excellent = IntegerField(_l("Excellent from (%)"), validators=[required(), number_range(min=0, max=100)])
    good = IntegerField(_l("Good from (%)"), validators=[required(), number_range(min=0, max=100)])
    fair = IntegerField(_l("Fair from (%)"), validators=[required(), number_range(min=0, max=100)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not (self.excellent.data > self.good.data > self.fair.data > 0):
            self.fair.errors = [*self.fair.errors, _l("Each band must start above the next: excellent > good > "
                                                      "fair > 0.")]
            return False
        return valid
