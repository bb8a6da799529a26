"""Error types and the user-facing error payload.

A user wants to see the line in THEIR scene file, not manim's internals, so the
payload names the innermost traceback frame that lies in the user's directory.
"""

from __future__ import annotations

import errno
import os
import traceback
from typing import Any


class DriverError(Exception):
    """An error with a protocol-level type name."""

    type_name = "DriverError"


class BadRequest(DriverError):
    """The request is malformed or asks for something impossible."""

    type_name = "BadRequest"


class SceneNotFound(DriverError):
    """The requested scene class is not defined in the file."""

    type_name = "SceneNotFound"


class WorkerCrashed(DriverError):
    """A forked serve child died without reporting a result."""

    type_name = "WorkerCrashed"


class Cancelled(DriverError):
    """The node cancelled the request: the answer to its cancel, once the request's child is gone."""

    type_name = "Cancelled"


class LimitExceeded(DriverError):
    """The scene went past one of the node's configured render limits (limits.py): its own doing,
    so it fails at once on every node alike, unlike a machine fault that another node may not have."""

    type_name = "LimitExceeded"


class MachineFault(DriverError):
    """The machine failed the render, not the scene: memory or disk ran out, a package is missing
    on this node. Another node may well render it, so it is retried there."""

    type_name = "MachineFault"


def is_machine_fault(exc: BaseException, user_dir: str | None) -> bool:
    """MemoryError, a full disk, or an import of a module that is neither installed here nor part
    of the scene's own project (a module of the project that fails to import is the scene's fault)."""
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        bases = {b for b in (user_dir, os.getcwd()) if b}
        return not any(os.path.exists(os.path.join(b, top)) or os.path.exists(os.path.join(b, top + ".py")) for b in bases)
    return False


class PlanMismatch(DriverError):
    """A render drew other frame counts than the plan it was given: the plan is wrong."""

    type_name = "PlanMismatch"


def plan_mismatch(what: str) -> PlanMismatch:
    return PlanMismatch(f"{what}: this scene's timing depends on state the planning pass can't see")


class SceneError(Exception):
    """Wraps an exception raised by user code (import or construct)."""

    type_name = "SceneError"

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


def _is_user_frame(filename: str, user_dir: str) -> bool:
    path = os.path.realpath(filename)
    if "site-packages" in path or "/nn_driver/" in path:
        return False
    return path == user_dir or path.startswith(user_dir.rstrip(os.sep) + os.sep)


def user_location(exc: BaseException, user_dir: str | None) -> tuple[str | None, int | None]:
    """File and line of the innermost frame of ``exc`` inside ``user_dir``."""
    if user_dir is None:
        return None, None
    real_dir = os.path.realpath(user_dir)
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if _is_user_frame(frame.filename, real_dir):
            found = (os.path.realpath(frame.filename), frame.lineno)
    if found == (None, None) and isinstance(exc, SyntaxError) and exc.filename:
        if _is_user_frame(exc.filename, real_dir):
            found = (os.path.realpath(exc.filename), exc.lineno)
    return found


def error_payload(exc: BaseException, user_dir: str | None) -> dict[str, Any]:
    """The protocol's ``{"ok": false, "error": ...}`` object for ``exc``."""
    if isinstance(exc, SceneError):
        inner: BaseException = exc.cause
        type_name = MachineFault.type_name if is_machine_fault(inner, user_dir) else SceneError.type_name
        message = f"{type(inner).__name__}: {inner}"
    elif isinstance(exc, DriverError):
        inner = exc
        type_name = exc.type_name
        message = str(exc)
    else:
        inner = exc
        type_name = MachineFault.type_name if is_machine_fault(exc, user_dir) else "InternalError"
        message = f"{type(exc).__name__}: {exc}"
    file, line = user_location(inner, user_dir)
    tb = "".join(traceback.format_exception(type(inner), inner, inner.__traceback__))
    return {
        "ok": False,
        "error": {
            "type": type_name,
            "message": message,
            "traceback": tb,
            "file": file,
            "line": line,
        },
    }
