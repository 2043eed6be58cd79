"""Forms for the application dossier: its settings (title, foreword, sections in order, appendices, page limit)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField

from qms.forms import CheckboxList, QMSForm, length, number_range, optional, required
from qms.spine import sections as registry


class NewDossierForm(QMSForm):
    award_cycle_id = SelectField(_l("Award cycle"), validators=[required()])
    title = StringField(_l("Title"), validators=[required(), length(300)],
                        description=_l("As printed on the cover, e.g. the award's name for the application."))


class DossierForm(QMSForm):
    title = StringField(_l("Title"), validators=[required(), length(300)])
    foreword = TextAreaField(_l("Leadership foreword"), validators=[optional(), length(20000)],
                             render_kw={"rows": 8}, description=_l("Markdown: *emphasis*, lists, tables."))
    page_limit = IntegerField(_l("Page limit"), validators=[optional(), number_range(min=1, max=2000)],
                              description=_l("The award's limit on the dossier's own pages; appended evidence "
                                             "PDFs are not counted. Leave empty for no limit."))
    appended_evidence_ids = CheckboxList(_l("Evidence PDFs appended at the end"), coerce=int,
                                         validators=[optional()])


def section_form_class():
    """DossierForm with an "include" box and a position for every registered section."""
    class Form(DossierForm):
        pass

    for section in registry.all_sections():
        setattr(Form, f"include_{section.key}", BooleanField(section.label))
        setattr(Form, f"position_{section.key}", IntegerField(
            _l("Position of “%(section)s”", section=section.label),
            validators=[optional(), number_range(min=1, max=99)]))
    return Form


def chosen_sections(form) -> list[str]:
    """The included section keys ordered by the positions given (ties keep the registry's order)."""
    found = []
    for rank, section in enumerate(registry.all_sections()):
        if form[f"include_{section.key}"].data:
            position = form[f"position_{section.key}"].data
            found.append((position if position is not None else 99, rank, section.key))
    return [key for _position, _rank, key in sorted(found)]


def fill_sections(form, keys: list[str]) -> None:
    order = {key: index for index, key in enumerate(keys, start=1)}
    others = len(keys)
    for section in registry.all_sections():
        form[f"include_{section.key}"].data = section.key in order
        if section.key not in order:
            others += 1
        form[f"position_{section.key}"].data = order.get(section.key, others)
