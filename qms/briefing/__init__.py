"""The site-visit briefing (實地評審簡報): a slide deck from the office's own records and question rehearsals."""


def init_app(app) -> None:
    from qms.briefing import registration
    from qms.briefing.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
