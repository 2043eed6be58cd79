"""The award application dossier (參獎資料): one PDF built from the office's own records."""


def init_app(app) -> None:
    from qms.dossier import registration
    from qms.dossier.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
