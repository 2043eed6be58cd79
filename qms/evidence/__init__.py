"""Evidence (佐證資料) for any QMS record: uploaded files, web links and links to other QMS records."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from qms.evidence.models import Evidence
    from qms.evidence.routes import bp
    from qms.spine import records

    app.register_blueprint(bp)
    records.register(records.RecordType("evidence", Evidence, _l("Evidence"), title=str,
                                        field_labels={"expires_on": _l("Expires on"), "title": _l("Title"),
                                                      "kind": _l("Kind"), "subject": _l("Supports")}))
