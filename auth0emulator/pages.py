"""The hosted pages: login, password reset and errors. Inline CSS only, no external assets."""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:system-ui,sans-serif;background:#f0f2f5;margin:0;display:flex;
min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;padding:2rem 2.5rem;border-radius:8px;width:22rem;
box-shadow:0 4px 18px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 .3rem}p.sub{color:#555;margin:0 0 1.2rem}
label{display:block;font-size:.85rem;margin:.8rem 0 .3rem}
input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;
padding:.6rem;border:1px solid #ccc;border-radius:4px;font-size:1rem}
button{margin-top:1.2rem;width:100%;padding:.7rem;background:#635dff;color:#fff;border:0;
border-radius:4px;font-size:1rem;cursor:pointer}
.error{background:#fdecea;color:#b3261e;padding:.6rem;border-radius:4px;margin-bottom:.5rem}
.ok{background:#e6f4ea;color:#1e6b34;padding:.6rem;border-radius:4px}
footer{margin-top:1.2rem;font-size:.75rem;color:#888;text-align:center}
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}<footer>auth0emulator: an offline Auth0 for development"
        "</footer></main></body></html>"
    )


def login_page(*, client_name: str, txn: str, email: str = "", error: str | None = None) -> str:
    alert = f"<div class='error' role='alert'>{escape(error)}</div>" if error else ""
    return _page(
        "Log in",
        "<h1>Welcome</h1>"
        f"<p class='sub'>Log in to continue to {escape(client_name)}.</p>{alert}"
        "<form method='post' action='/u/login'>"
        f"<input type='hidden' name='state' value='{escape(txn)}'>"
        "<label for='username'>Email address</label>"
        f"<input id='username' name='username' type='email' value='{escape(email)}' "
        "autocomplete='username' required autofocus>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button type='submit' name='action' value='default'>Continue</button></form>",
    )


def error_page(title: str, description: str) -> str:
    return _page(
        "Error",
        f"<h1>Oops!, something went wrong</h1><div class='error'>{escape(title)}</div>"
        f"<p>{escape(description)}</p>",
    )


def reset_page(*, ticket: str, email: str, error: str | None = None) -> str:
    alert = f"<div class='error' role='alert'>{escape(error)}</div>" if error else ""
    return _page(
        "Change your password",
        f"<h1>Change your password</h1><p class='sub'>Enter a new password for {escape(email)}."
        f"</p>{alert}<form method='post' action='/lo/reset'>"
        f"<input type='hidden' name='ticket' value='{escape(ticket)}'>"
        "<label for='password'>New password</label>"
        "<input id='password' name='password' type='password' autocomplete='new-password' "
        "required><button type='submit'>Reset password</button></form>",
    )


def message_page(title: str, message: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p class='ok'>{escape(message)}</p>")
