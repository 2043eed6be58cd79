"""Forms to add evidence: a file, a web link, or a link to a QMS record."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectChoice, SelectField, StringField, URLField, validators

from qms.forms import QMSForm, length, optional, required

EXPIRES_HELP = _l("Optional: the date after which this evidence no longer counts (a certificate, a survey).")
WEB_ADDRESS = _l("Enter a web address starting with http:// or https://.")


class EvidenceFileForm(QMSForm):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("PDF, images or office documents (Word, Excel, PowerPoint, ODF)."))
    title = StringField(_l("Title"), validators=[optional(), length(300)])
    expires_on = DateField(_l("Expires on"), validators=[optional()], description=EXPIRES_HELP)


class EvidenceLinkForm(QMSForm):
    url = URLField(_l("Address (URL)"), validators=[required(), length(2000),
                                                    validators.URL(require_tld=False, message=WEB_ADDRESS)])
    title = StringField(_l("Title"), validators=[required(), length(300)])
    expires_on = DateField(_l("Expires on"), validators=[optional()], description=EXPIRES_HELP)

    def validate_url(self, field):
        if not field.data.lower().startswith(("http://", "https://")):
            raise validators.ValidationError(WEB_ADDRESS)


class EvidenceRecordForm(QMSForm):
    record = SelectField(_l("QMS record"), validators=[required()],
                         description=_l("Any record of QMS that shows this is done."))
    expires_on = DateField(_l("Expires on"), validators=[optional()], description=EXPIRES_HELP)

    def set_record_choices(self, groups):
        self.record.choices = [SelectChoice("", "—")] + [
            SelectChoice(value, title, optgroup=label) for _name, label, entries in groups for value, title in entries]


class CiteForm(QMSForm):
    subject = SelectField(_l("Supports"), validators=[required()],
                          description=_l("The checklist item (or other record) this stands as evidence for."))

    def set_subject_choices(self, groups):
        self.subject.choices = [SelectChoice("", "—")] + [
            SelectChoice(value, title, optgroup=label) for _name, label, entries in groups for value, title in entries]


FORMS = {"file": EvidenceFileForm, "link": EvidenceLinkForm, "record": EvidenceRecordForm}
