"""The surveys' record types, navigation and dashboard card."""
import click
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.extensions import db
from qms.i18n import date_html, localized, percent
from qms.spine import clock, commands, records
from qms.spine import reminders as reminder_sources
from qms.spine.access import Role
from qms.spine.navigation import Card, register_card, register_nav
from qms.spine.sections import Section, register_section
from qms.spine.slides import SlideKind, register_slide_kind
from qms.surveys import dossier, reminders, services, slides
from qms.surveys.forms import CaseForm, RoundForm
from qms.surveys.models import FollowUpCase, KioskToken, Survey, SurveyRound


def _labels(form_class, names) -> dict:
    return {n: getattr(form_class, n).args[0] for n in names if hasattr(form_class, n)}


def surveys_card(user, cycle) -> Card | None:
    weeks = services.weekly_satisfaction(clock.today(), 6, clock.zone())
    lines = [(date_html(week), f"{percent(sat / total * 100)} ({sat}/{total})" if total else "—")
             for week, sat, total in weeks]
    open_cases = services.count_open_cases()
    lines.insert(0, (_("Open follow-up cases"), str(open_cases)))
    link = url_for("surveys.cases") if user.has_role(Role.QUALITY) else url_for("surveys.index")
    return Card(title=_("On-the-spot votes: satisfied share per week"), lines=lines, link=link,
                link_text=_("Follow up dissatisfied votes") if user.has_role(Role.QUALITY) else _("Open the surveys"))


@click.command("forget-vote-contacts")
def forget_vote_contacts_command():
    """Erase kiosk-vote contact details older than QMS_KIOSK_CONTACT_RETENTION_DAYS."""
    erased = services.forget_old_contacts()
    db.session.commit()
    click.echo(f"{erased} contact details erased (kept {services.contact_retention_days()} days).")


def register(app: Flask) -> None:
    records.register(records.RecordType("survey", Survey, _l("Satisfaction survey"), endpoint="surveys.survey",
                                        url_kwarg="survey_id", title=lambda survey: localized(survey, "title")))
    records.register(records.RecordType("survey_round", SurveyRound, _l("Survey round"),
                                        endpoint="surveys.round_page", url_kwarg="round_id", evidence=True,
                                        title=lambda r: f"{localized(r.survey, 'title')} {r.label}",
                                        when=lambda r: (r.period_start, r.period_end),
                                        field_labels=_labels(RoundForm, services.ROUND_FIELDS)))
    records.register(records.RecordType("follow_up_case", FollowUpCase, _l("Follow-up case"),
                                        endpoint="surveys.case", url_kwarg="case_id",
                                        readable_by=frozenset({Role.QUALITY}),
                                        owner=records.owner_column(FollowUpCase.owner_id),
                                        search=records.SearchSpec(document=lambda case: {
                                            "title": str(case), "date": case.closed_on or case.created_at,
                                            "body": "\n\n".join(t for t in (case.vote.reason if case.vote else "",
                                                                             case.response_to_citizen,
                                                                             case.improvement) if t)}),
                                        field_labels=_labels(CaseForm, services.CASE_FIELDS)))
    records.register(records.RecordType("kiosk_token", KioskToken, _l("Vote kiosk")))
    register_nav("surveys.index", _l("Surveys"), order=57)
    commands.add(forget_vote_contacts_command)
    register_card("surveys", surveys_card, order=27)
    register_section(Section("surveys", _l("Satisfaction surveys"), order=60, template="pdf/dossier/surveys.html",
                             gather=dossier.gather))
    register_slide_kind(SlideKind("survey", _l("Satisfaction survey results"), "slides/survey.html",
                                  slides.gather_survey, order=60, default_seconds=90))
    for source in reminders.SOURCES:
        reminder_sources.register_source(source)
