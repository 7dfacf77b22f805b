"""Local-only control endpoints (`/__emulator/...`) for tests and demos; never faulted.

    GET|POST|DELETE /__emulator/faults   read, replace or clear the fault knobs (see faults.py)
    POST /__emulator/rate-limit          {"limit": 3, "window_seconds": 60} ({"limit": null}: off)
    POST /__emulator/rotate-key          a new signing key; the old ones stay in the JWKS
    POST /__emulator/clock               {"advance_seconds": 601}: move the emulator's clock
    GET  /__emulator/health              {"status": "ok", "issuer": ...}

Callers that are not on the loopback interface get 403.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from auth0emulator.errors import Auth0Error, bad_request
from auth0emulator.faults import FaultConfigError
from auth0emulator.wsgi import Request, Response, json_response

if TYPE_CHECKING:
    from auth0emulator.app import Emulator


def _local_only(request: Request) -> None:
    if not request.is_loopback:
        raise Auth0Error(HTTPStatus.FORBIDDEN, "The control API is local only.", "forbidden")


def _body(request: Request) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The body must be JSON.") from None


class ControlViews:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def faults(self, request: Request) -> Response:
        _local_only(request)
        faults = self.emulator.faults
        if request.method == "GET":
            return json_response(faults.snapshot())
        try:
            config = faults.replace({} if request.method == "DELETE" else _body(request))
        except FaultConfigError as exc:
            raise bad_request(str(exc)) from None
        return json_response(config)

    def rate_limit(self, request: Request) -> Response:
        _local_only(request)
        data = _body(request)
        limit = data.get("limit") if isinstance(data, dict) else None
        window = data.get("window_seconds", 1) if isinstance(data, dict) else None
        valid_limit = limit is None or (isinstance(limit, int) and limit >= 1)
        if not isinstance(data, dict) or not valid_limit or not isinstance(window, int):
            raise bad_request('Expected {"limit": int >= 1 or null, "window_seconds": int}.')
        self.emulator.rate_limit.configure(limit, window)
        return json_response({"limit": limit, "window_seconds": max(1, window)})

    def rotate_key(self, request: Request) -> Response:
        _local_only(request)
        return json_response({"kid": self.emulator.keys.rotate()})

    def clock(self, request: Request) -> Response:
        _local_only(request)
        data = _body(request)
        seconds = data.get("advance_seconds") if isinstance(data, dict) else None
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise bad_request('Expected {"advance_seconds": number}.')
        return json_response({"offset_seconds": self.emulator.clock.advance(float(seconds))})

    def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "issuer": self.emulator.tenant.issuer})
