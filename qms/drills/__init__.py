"""Mystery-shopper drills (秘密客情境演練): scorecards, drill logs and corrective actions to a verified close."""


def init_app(app) -> None:
    from qms.drills import registration
    from qms.drills.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
