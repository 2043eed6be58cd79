"""Sending a logged mail on the job queue: the request or the scheduler that queued it never waits for the server."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms import jobs
from qms.mail import services


@jobs.task(services.SEND, label=_l("E-mail"), retries=services.RETRIES, retry_delay=60, timeout=120)
def send(message_id: int) -> None:
    try:
        services.send_message(message_id)
    except services.SendFailed as error:  # the outbox row already says why; the job is retried
        raise jobs.JobFailed(str(error)) from error
