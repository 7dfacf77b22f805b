"""gunicorn configuration: threaded workers, JSON logs, and a graceful drain on SIGTERM.

On SIGTERM the master first creates a flag file that makes /-/ready answer 503, keeps serving for
DELAY_SHUTDOWN_SECONDS so load balancers stop sending traffic, and only then stops the workers.
"""

import os
import signal
import tempfile
import time

bind = f"{os.environ.get('HTTP_HOST', '0.0.0.0')}:{os.environ.get('HTTP_PORT', '8080')}"  # noqa: S104 - a container listens on all interfaces
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = None  # the product writes its own JSON access line per request
errorlog = "-"
control_socket_disable = True  # no runtime control socket in a container
# gunicorn's own lines (start, stop, worker deaths) as JSON too, on stdout like the product's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "authgw.logging.JsonFormatter"}},
    "filters": {"redact": {"()": "authgw.logging.RedactSecretsFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
wsgi_app = "authgw.wsgi:application"

_drain_flag = os.path.join(tempfile.gettempdir(), f"authgw-draining-{os.getpid()}")
# Workers inherit the environment: settings.DRAIN_FLAG_FILE points at the master's flag.
os.environ["AUTHGW_DRAIN_FLAG_FILE"] = _drain_flag
if os.path.exists(_drain_flag):
    os.unlink(_drain_flag)


def when_ready(server):
    delay = int(os.environ.get("DELAY_SHUTDOWN_SECONDS", "10"))
    stop = server.handle_term

    def reload_policies():
        # SIGHUP means "re-read auth.json" (as for the Authorization Service): each worker
        # reloads its policy in place, instead of gunicorn restarting every worker.
        server.log.info("SIGHUP: asking %s workers to reload their policy", len(server.WORKERS))
        for pid in list(server.WORKERS):
            os.kill(pid, signal.SIGHUP)

    def drain_then_stop():
        with open(_drain_flag, "w") as flag:
            flag.write("draining\n")
        server.log.info("SIGTERM: not ready any more, stopping in %ss", delay)
        time.sleep(delay)
        stop()

    server.handle_term = drain_then_stop
    server.handle_hup = reload_policies


def on_exit(server):
    if os.path.exists(_drain_flag):
        os.unlink(_drain_flag)
