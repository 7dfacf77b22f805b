"""The process's current policy and API keys (built from settings.ACL on first use), and SIGHUP."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from django.conf import settings

from acl.api_keys import ApiKeys, load_api_keys
from acl.policy import Policy, load_policy
from acl.watch import WatchedFile

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_policies: dict[Path, WatchedFile[Policy]] = {}
_api_keys: dict[Path, WatchedFile[ApiKeys]] = {}
_NO_API_KEYS = ApiKeys()
# Other watched files (the gateway's routes) reload with ours, on the same SIGHUP.
_reload_listeners: list[Callable[[], None]] = []


def policy_store(path: Path) -> WatchedFile[Policy]:
    store = _policies.get(path)
    if store is None:
        with _lock:
            store = _policies.get(path) or WatchedFile(path, load_policy)
            _policies[path] = store
    return store


def current_policy() -> Policy:
    return policy_store(settings.ACL.policy_path).current()


def current_api_keys() -> ApiKeys:
    path: Path | None = settings.ACL.api_keys_file
    if path is None:
        return _NO_API_KEYS
    store = _api_keys.get(path)
    if store is None:
        with _lock:
            store = _api_keys.get(path) or WatchedFile(path, load_api_keys)
            _api_keys[path] = store
    return store.current()


def request_reload() -> None:
    """Re-read every watched file on its next use."""
    stores: list[WatchedFile[Policy] | WatchedFile[ApiKeys]] = [
        *_policies.values(),
        *_api_keys.values(),
    ]
    for store in stores:
        store.request_reload()
    for listener in _reload_listeners:
        listener()


def add_reload_listener(listener: Callable[[], None]) -> None:
    """Call `listener` (quick, lock-free: it runs in a signal handler) on every reload request."""
    if listener not in _reload_listeners:
        _reload_listeners.append(listener)


def forget() -> None:
    """Drop every store (the configuration changed, e.g. in tests)."""
    with _lock:
        _policies.clear()
        _api_keys.clear()


def _on_sighup(signum: int, frame: FrameType | None) -> None:
    # Signal handlers must be quick and lock-free: only flag the stores.
    request_reload()


def install_sighup_handler() -> bool:
    """Reload on SIGHUP. Only the main thread may set handlers; elsewhere this does nothing.

    Under gunicorn this runs in each worker (the app loads after the worker resets its signals).
    `gunicorn.conf.py` makes a HUP to the master forward SIGHUP to every worker, so each reloads its
    files in place and none is restarted; `kill -HUP <worker pid>` reloads that worker only.
    """
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGHUP, _on_sighup)
    return True
