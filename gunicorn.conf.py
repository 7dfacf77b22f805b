"""gunicorn configuration: threaded workers, JSON logs, and a graceful drain on SIGTERM.

On SIGTERM the master first creates a flag file that makes /-/ready answer 503, keeps serving for
DELAY_SHUTDOWN_SECONDS so load balancers stop sending traffic, and only then stops the workers.
"""

import os
import signal
import tempfile
import time

from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger

from authgw.config import server_from_env
from authgw.logging import logging_config

# The variables Django's settings read too, with the same readers: a bad value stops the master
# with the message `manage.py check` gives (e.g. HTTP_PORT='eighty': expected an integer).
_server = server_from_env()
bind = _server.bind
workers = _server.workers
worker_class = "gthread"
threads = _server.threads
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = None  # the product writes its own JSON access line per request
errorlog = "-"
control_socket_disable = True  # no runtime control socket in a container
# gunicorn's own lines (start, stop, worker deaths) as JSON too, on stdout like the product's.
logconfig_dict = logging_config(_server.log_level)


class ProductLogger(Logger):
    """With logconfig_dict set, gunicorn builds an access line's atoms for every request (~30 µs,
    bench/README.md) and hands it to `gunicorn.access`, which drops it: the product writes its
    own JSON access line, so gunicorn's is never built."""

    @property
    def access_log_enabled(self):
        return False


logger_class = ProductLogger
wsgi_app = "authgw.wsgi:application"

_drain_flag = os.path.join(tempfile.gettempdir(), f"authgw-draining-{os.getpid()}")
# Workers inherit the environment: settings.DRAIN_FLAG_FILE points at the master's flag.
os.environ["AUTHGW_DRAIN_FLAG_FILE"] = _drain_flag
if os.path.exists(_drain_flag):
    os.unlink(_drain_flag)


def when_ready(server: Arbiter) -> None:
    delay = _server.delay_shutdown_s
    stop = server.handle_term

    def reload_policies() -> None:
        # SIGHUP means "re-read auth.json" (as for the Authorization Service): each worker
        # reloads its policy in place, instead of gunicorn restarting every worker.
        server.log.info("SIGHUP: asking %s workers to reload their policy", len(server.WORKERS))
        for pid in list(server.WORKERS):
            os.kill(pid, signal.SIGHUP)

    def drain_then_stop() -> None:
        with open(_drain_flag, "w") as flag:
            flag.write("draining\n")
        server.log.info("SIGTERM: not ready any more, stopping in %ss", delay)
        time.sleep(delay)
        stop()

    server.handle_term = drain_then_stop
    server.handle_hup = reload_policies


def on_exit(server: Arbiter) -> None:
    if os.path.exists(_drain_flag):
        os.unlink(_drain_flag)
