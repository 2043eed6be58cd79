"""Forms to add evidence: a file, a web link, or a link to a QMS record."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField, URLField, validators

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
    # The choices are whatever the picker found for the words typed (evidence/_picker.html renders them as
    # radio buttons); the service decides whether the posted "type:id" may be linked.
    record = StringField(_l("QMS record"), validators=[
        validators.InputRequired(message=_l("Choose a QMS record.")), length(200)])
    expires_on = DateField(_l("Expires on"), validators=[optional()], description=EXPIRES_HELP)


class CiteForm(QMSForm):
    subject = StringField(_l("Supports"), validators=[
        validators.InputRequired(message=_l("Choose what this supports.")), length(200)])


FORMS = {"file": EvidenceFileForm, "link": EvidenceLinkForm, "record": EvidenceRecordForm}
