"""One JSON serialiser for every output: numpy scalars and arrays become plain JSON, NaN and
infinities become ``null`` (JSON has neither), objects with ``to_dict`` and dataclasses are
expanded. A result whose JSON form is a plain dump of its fields inherits :class:`FieldsDict`
instead of writing ``to_dict`` by hand."""

from __future__ import annotations

import dataclasses
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
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return fields_dict(obj)
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


def fields_dict(obj: Any) -> dict[str, Any]:
    """The fields of dataclass ``obj``, each made JSON-safe (:func:`to_jsonable`)."""
    return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


class FieldsDict:
    """Mixin for dataclasses whose JSON form is their fields: ``to_dict()`` is generated."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-safe dict."""
        return fields_dict(self)
