"""Evidence (佐證資料) for any QMS record: uploaded files, web links and links to other QMS records."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from qms.evidence import reminders
    from qms.evidence.models import Evidence
    from qms.evidence.routes import bp
    from qms.spine import records
    from qms.spine import reminders as spine_reminders

    app.register_blueprint(bp)
    records.register(records.RecordType("evidence", Evidence, _l("Evidence"), title=str,
                                        field_labels={"expires_on": _l("Expires on"), "title": _l("Title"),
                                                      "kind": _l("Kind"), "subject": _l("Supports")}))
    for source in reminders.SOURCES:
        spine_reminders.register_source(source)
