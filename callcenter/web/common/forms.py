"""Page forms whose errors are shown next to the field they concern."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from callcenter.domain.errors import DomainError
from callcenter.web.common.context import commit, rollback

T = TypeVar("T")
FORM = "_form"  # an error that concerns no one field


def run_form(action: Callable[[], T]) -> tuple[T | None, dict[str, str]]:
    """Run a form's use case and commit; on a domain error roll back and return the
    message under its field (`details.field`, else FORM)."""
    try:
        result = action()
        commit()
    except DomainError as exc:
        rollback()
        field = str(exc.details.get("field") or FORM)
        return None, {field.split("[")[0].split(".")[0]: exc.message}
    return result, {}
