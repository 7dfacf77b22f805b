"""The process's current routes (GATEWAY_ROUTES_FILE), kept current like auth.json, and SIGHUP.

The same WatchedFile as the acl: the file is checked at most once a second per process, re-read
on SIGHUP, and a bad new file keeps the old routes (logged).
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from acl import registry as acl_registry
from acl.watch import WatchedFile
from gateway.routes import NO_ROUTES, Routes, load_routes

_lock = threading.Lock()
_stores: dict[Path, WatchedFile[Routes]] = {}


def routes_store(path: Path) -> WatchedFile[Routes]:
    store = _stores.get(path)
    if store is None:
        with _lock:
            store = _stores.get(path) or WatchedFile(path, load_routes)
            _stores[path] = store
    return store


def current_routes() -> Routes:
    path: Path | None = settings.GATEWAY.routes_file
    if path is None:
        return NO_ROUTES
    return routes_store(path).current()


def request_reload() -> None:
    for store in list(_stores.values()):
        store.request_reload()


def forget() -> None:
    with _lock:
        _stores.clear()


def listen_for_reloads() -> None:
    """SIGHUP reloads the routes too: the acl's handler asks every listener (acl.registry)."""
    acl_registry.add_reload_listener(request_reload)
