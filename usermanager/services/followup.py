"""Looking again after an uncertain Auth0 failure: a request we gave up on may still land.

A timeout or a 5xx does not say whether Auth0 applied the call, and Auth0 may apply a request
after we stopped waiting for it. The immediate undo cannot see such a late arrival, so a short
series of later checks settles it: a late-created user is deleted, a late delete is completed
locally, a late PATCH is overwritten with the local values. `reconcile_users --fix` remains the
backstop if all the checks fail too.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import DatabaseError, connection

from authgw.errors import ApiError

logger = logging.getLogger(__name__)

# A check returns True once the question is settled; later checks are then skipped.
Check = Callable[[], bool]


def recheck(check: Check, what: str) -> None:
    """Runs `check` after each of USERMANAGER.recheck_delays_s, in a background thread."""
    delays = settings.USERMANAGER.recheck_delays_s
    if delays:
        start(lambda: _run(check, delays, what))


def start(task: Callable[[], None]) -> None:
    """Runs a recheck series in a daemon thread (tests replace this to run it inline)."""
    # In a copy of the request's context: the checks' log lines and calls carry its request id.
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(task,), name="usermanager-recheck", daemon=True
    ).start()


def _run(check: Check, delays: Sequence[float], what: str) -> None:
    try:
        for delay in delays:
            time.sleep(delay)
            try:
                if check():
                    logger.info("recheck of %s: settled", what)
                    return
            except (ApiError, DatabaseError) as exc:
                logger.warning("recheck of %s failed: %s", what, exc)
            # A background thread has nobody to report to: log anything else and stop.
            except Exception:
                logger.exception("recheck of %s stopped", what)
                return
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()  # this thread's own database connection
