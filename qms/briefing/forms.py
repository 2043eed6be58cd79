"""Forms of the briefing: decks, slides, reviewer questions, the question draw and an answer's outcome."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField

from qms.briefing.models import Outcome
from qms.forms import CheckboxList, QMSForm, length, number_range, optional, required


class NewDeckForm(QMSForm):
    award_cycle_id = SelectField(_l("Award cycle"), validators=[required()])
    title = StringField(_l("Title"), validators=[required(), length(300)],
                        description=_l("As shown on the first slide, e.g. the office's name and the award."))


class DeckForm(QMSForm):
    title = StringField(_l("Title"), validators=[required(), length(300)])


class SlideForm(QMSForm):
    title = StringField(_l("Title"), validators=[optional(), length(300)],
                        description=_l("Leave empty on a live slide to use its kind's name."))
    subtitle = StringField(_l("Subtitle or caption"), validators=[optional(), length(300)])
    body = TextAreaField(_l("Text"), validators=[optional(), length(5000)], render_kw={"rows": 6},
                         description=_l("Markdown: *emphasis*, lists. Shown on text and image slides."))
    evidence_id = SelectField(_l("Image"), validators=[optional()],
                              description=_l("A stored image from the evidence of any record."))
    planned_seconds = IntegerField(_l("Planned seconds"), validators=[required(), number_range(min=1, max=3600)],
                                   description=_l("How long you plan to speak to this slide."))
    notes = TextAreaField(_l("Speaker notes"), validators=[optional(), length(10000)], render_kw={"rows": 6},
                          description=_l("Printed in the notes handout and shown in the presenter window."))


class QuestionForm(QMSForm):
    question = TextAreaField(_l("Question"), validators=[required(), length(2000)], render_kw={"rows": 3})
    model_answer = TextAreaField(_l("Model answer"), validators=[optional(), length(20000)], render_kw={"rows": 6},
                                 description=_l("Markdown. The points the answer must make, and the figures."))
    answerer_id = SelectField(_l("Answered by"), validators=[optional()])
    item_ids = CheckboxList(_l("Checklist items"), coerce=int, validators=[optional()],
                            description=_l("The items this question probes: a weak item's questions are drawn "
                                           "more often."))


class DrawForm(QMSForm):
    count = IntegerField(_l("Number of questions"), default=5, validators=[required(), number_range(min=1, max=50)])


class OutcomeForm(QMSForm):
    outcome = RadioField(_l("How did the answer go?"), choices=Outcome.choices(), validators=[required()])
    note = TextAreaField(_l("Note"), validators=[optional(), length(2000)], render_kw={"rows": 2})
