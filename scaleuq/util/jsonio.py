"""One JSON serialiser for every output: numpy scalars and arrays become plain JSON, NaN and
infinities become ``null`` (JSON has neither), dataclasses with ``to_dict`` are expanded."""

from __future__ import annotations

import json
import math
from typing import Any


def to_jsonable(obj: Any) -> Any:
    """A JSON-safe copy of ``obj`` (dicts, lists, numbers, strings, None)."""
    if obj is None or isinstance(obj, str | bool):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict) and not isinstance(obj, type):
        try:
            return to_jsonable(to_dict())
        except TypeError:  # pandas objects take arguments; fall through to the generic cases
            pass
    tolist = getattr(obj, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return to_jsonable(tolist())
    item = getattr(obj, "item", None)
    if callable(item):
        return to_jsonable(item())
    if hasattr(obj, "__fspath__"):
        return str(obj)
    try:
        import pandas as pd

        if pd.isna(obj):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(payload: Any) -> str:
    """Indented JSON text of ``payload`` (see :func:`to_jsonable`), ending in a newline."""
    return json.dumps(to_jsonable(payload), indent=2, allow_nan=False) + "\n"
