"""Role checks for views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from app.extensions import login_manager


def instructor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let only instructors in: anonymous users go to log in, learners get a 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_instructor:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
