"""The award self-assessment checklist: frameworks, a cycle's assessment, readiness and evidence."""


def init_app(app) -> None:
    from qms.checklist import registration
    from qms.checklist.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
