"""Shareable settings and classroom mode for any panel whose state is a dict of settings.

* ``encode(settings, defaults=..., prefix=...)`` turns a panel's whole state into a short text
  code: the settings that differ from the defaults, as JSON (floats written exactly, so a
  decoded run computes the same numbers), compressed with zlib and written in URL-safe
  base64 after a prefix that names the panel and the code's version ("pg1-eNqrVkr…").
* ``decode(code, defaults=..., prefix=...)`` gives the settings back (defaults filled in) or a
  ``ValueError`` that says what is wrong with the code.
* ``visible(names, controls)`` is classroom mode: the controls an instructor chose to show,
  checked against the panel's control names.

A panel uses them as ``panel(code=...)`` and ``panel(controls=[...])``; the playground
(``dlcore.ui.playground``) does, and the explorer can in the same way.
"""
from __future__ import annotations

import base64
import binascii
import json
import zlib

__all__ = ["encode", "decode", "visible"]


def _check_prefix(prefix):
    if not isinstance(prefix, str) or not prefix.isalnum():
        raise ValueError(f"prefix must be a short alphanumeric name such as 'pg1', got {prefix!r}")


def encode(settings, *, defaults=None, prefix="s1"):
    """A short text code for ``settings`` (a dict of JSON-compatible values)."""
    _check_prefix(prefix)
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a dict, got {type(settings).__name__}")
    defaults = defaults or {}
    changed = {k: v for k, v in settings.items() if k not in defaults or defaults[k] != v}
    try:
        text = json.dumps(changed, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"settings must hold only numbers, strings, booleans, lists and dicts: {exc}") from exc
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")
    return f"{prefix}-{packed.rstrip('=')}"


def decode(code, *, defaults=None, prefix="s1"):
    """The settings a code from ``encode`` holds, over ``defaults``; unknown names are refused."""
    _check_prefix(prefix)
    if not isinstance(code, str):
        raise TypeError(f"code must be a text code such as '{prefix}-eNq…', got {type(code).__name__}")
    head, _, body = code.strip().partition("-")
    if head != prefix or not body:
        raise ValueError(f"code must start with '{prefix}-' (a code for this panel), got {code[:20]!r}")
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        changed = json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise ValueError(f"code {code[:24]!r}… is damaged or incomplete ({type(exc).__name__}); "
                         "copy the whole code again") from exc
    if not isinstance(changed, dict):
        raise ValueError(f"code {code[:24]!r}… does not hold settings")
    defaults = dict(defaults or {})
    unknown = sorted(set(changed) - set(defaults)) if defaults else []
    if unknown:
        raise ValueError(f"code sets unknown setting(s) {unknown}; this panel has {sorted(defaults)}")
    return {**defaults, **changed}


def visible(names, controls):
    """Classroom mode: the control names to show, in the panel's order.

    ``names`` is None (show every control) or a list of names from ``controls``; an unknown
    name is a ``ValueError`` listing the panel's controls.
    """
    controls = list(controls)
    if names is None:
        return controls
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"controls must be a list of control names such as {controls[:2]}, got {names!r}")
    names = list(names)
    unknown = [n for n in names if n not in controls]
    if unknown:
        raise ValueError(f"controls {unknown} do not exist; choose from {controls}")
    return [c for c in controls if c in names]
