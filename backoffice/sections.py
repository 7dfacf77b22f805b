"""Who sees which admin section: the section's acl expression, evaluated for the signed-in user.

Like the menu `aclExpression` of the Mia-Platform back office (seed 000), but enforced on the
server: a section a user does not pass is missing from the menu and answers 403.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.http import HttpRequest

from acl.decisions import AclInput, expression_context
from acl.errors import ExpressionSyntaxError
from acl.expressions import Node, compile_expression
from backoffice.config import EXPRESSION_VARIABLES, BackofficeSettings
from backoffice.identity import sso_identity

logger = logging.getLogger(__name__)
_MEMO_ATTR = "_backoffice_sections"


@functools.lru_cache(maxsize=64)
def compiled(src: str) -> Node:
    return compile_expression(src)


def expression_problems(config: BackofficeSettings) -> list[str]:
    """One line per section expression that does not compile, naming its variable."""
    problems = []
    for section, src in config.section_expressions.items():
        try:
            compiled(src)
        except ExpressionSyntaxError as exc:
            problems.append(f"{EXPRESSION_VARIABLES[section]}={src!r}: {exc}")
    return problems


def section_allowed(request: HttpRequest, section: str) -> bool:
    """True when the signed-in user passes the section's expression (memoized per request)."""
    memo: dict[str, bool] = request.__dict__.setdefault(_MEMO_ATTR, {})
    if section not in memo:
        memo[section] = _evaluate(request, section)
    return memo[section]


def _evaluate(request: HttpRequest, section: str) -> bool:
    identity = sso_identity(request)
    src = settings.BACKOFFICE.section_expressions.get(section)
    if identity is None or src is None:
        return False
    try:
        expression = compiled(src)
    except ExpressionSyntaxError as exc:
        # Fail closed; start-up refuses such a value, so only a runtime override gets here.
        logger.error("%s=%r: %s; the section is hidden", EXPRESSION_VARIABLES[section], src, exc)
        return False
    acl = getattr(request, "acl", None)
    facts = AclInput(
        method=request.method or "GET",
        path=request.path_info,
        is_backoffice=True,
        client_type=getattr(acl, "client_type", None),
        identity=identity,
    )
    return expression.evaluate(expression_context(facts))
