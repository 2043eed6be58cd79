"""Notifications (通知): My work, the team's overdue list, the inbox, digest preferences and the reminder scan."""


def init_app(app) -> None:
    from qms.notifications import registration
    from qms.notifications.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
