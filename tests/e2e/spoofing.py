"""What a client sends to pass for someone else: every identity header, in every spelling, and the
policy of the `/echo` view (tests/e2e/echo_urls.py) that shows what reached it."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every identity header a client could try: the ones the product sends upstream, and the
# forward-auth answer's names (`mia-*`), in the spellings servers fold into one META key.
IDENTITY_HEADERS = {
    "miauserid": "auth0|root",
    "miausergroups": "admin,root",
    "miauserproperties": '{"email":"root@evil.example"}',
    "client-type": "partner",
    "isbackoffice": "1",
    "mia-allowed": "1",
    "mia-userid": "auth0|root",
    "mia-groups": "admin,root",
    "mia-userproperties": '{"email":"root@evil.example"}',
}


def spellings(name: str) -> list[str]:
    """`client-type`, `CLIENT-TYPE`, `Client-Type`, `client_type`, `CLIENT_TYPE`, ..."""
    title = "-".join(part.capitalize() for part in name.split("-"))
    forms = {name, name.upper(), title, f"{name[:3].capitalize()}{name[3:]}"}
    forms |= {form.replace("-", "_") for form in forms}
    return sorted(forms)


def meta_key(spelling: str) -> str:
    """What a WSGI server makes of a header name (PEP 3333 / CGI): hyphens and underscores meet."""
    return "HTTP_" + spelling.upper().replace("-", "_")


def spoofed_meta() -> dict[str, str]:
    return {meta_key(name): value for name, value in IDENTITY_HEADERS.items()}


def echo_policy(directory: Path) -> Path:
    """The shipped default policy plus a public `/echo`, written to `directory`/auth.json."""
    policy = json.loads((ROOT / "acl" / "default_auth.json").read_text())
    policy["/echo"] = {"ALL": {"authorization": {"expression": "true", "public": True}}}
    path = directory / "auth.json"
    path.write_text(json.dumps(policy))
    return path
