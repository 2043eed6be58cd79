"""SPARK innovation initiatives (創新服務), the process improvements under them and the citizen time they save."""


def init_app(app) -> None:
    from qms.initiatives import registration
    from qms.initiatives.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
