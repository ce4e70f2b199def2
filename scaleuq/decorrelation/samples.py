"""The columnar sample format of the decorrelation study (``.npz``), for generated samples and
a user's own MadGraph LO/NLO samples alike.

Arrays in a sample file:

``features``        (N, F) float: the classifier inputs, named by ``feature_names`` (F,)
``weights``         (N,) float: nominal event weights (any normalisation)
``variations``      (N, 9) float: event weights under the LO scale variations, in the order of
                    ``scale_points`` (9, 2) = (k_R, k_F); optional for NLO samples
``proxy_<name>``    (N,) float: optional higher-order proxy weights of the same events
``meta``            a JSON string: process, generator settings, seed, cross section, ...

An LO sample with scale weights and a separate NLO sample of the same process (its own events,
``features`` and ``weights``) give the genuine LO -> NLO distance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scaleuq.errors import SampleError

from .scales import SCALE_POINTS


@dataclass
class Sample:
    """An event sample (see module docstring)."""

    features: np.ndarray
    feature_names: tuple[str, ...]
    weights: np.ndarray
    variations: np.ndarray | None = None
    proxies: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.weights)

    def save(self, path: str | Path) -> None:
        """Write atomically as ``.npz``."""
        from scaleuq.util.atomic import atomic_open

        arrays: dict[str, Any] = {
            "features": self.features, "feature_names": np.array(self.feature_names),
            "weights": self.weights, "scale_points": np.array(SCALE_POINTS),
            "meta": np.array(json.dumps(self.meta, default=float)),
        }  # fmt: skip
        if self.variations is not None:
            arrays["variations"] = self.variations
        for name, w in self.proxies.items():
            arrays[f"proxy_{name}"] = w
        with atomic_open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)


def load_sample(path: str | Path) -> Sample:
    """Read and validate a sample file."""
    path = Path(path)
    if not path.is_file():
        raise SampleError(f"{path}: no such sample file")
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise SampleError(f"{path}: not a readable .npz sample ({exc})") from None
    for key in ("features", "feature_names", "weights"):
        if key not in data:
            raise SampleError(f"{path}: missing array '{key}' (see scaleuq.decorrelation.samples)")
    features, weights = data["features"].astype(np.float64), data["weights"].astype(np.float64)
    names = tuple(str(n) for n in data["feature_names"])
    if features.ndim != 2 or features.shape[1] != len(names) or len(weights) != len(features):
        raise SampleError(
            f"{path}: features {features.shape}, {len(names)} names and {len(weights)} weights do not agree"
        )
    if not np.isfinite(features).all() or not np.isfinite(weights).all():
        raise SampleError(f"{path}: non-finite features or weights")
    variations = None
    if "variations" in data:
        variations = data["variations"].astype(np.float64)
        points = [tuple(p) for p in data["scale_points"]] if "scale_points" in data else None
        if variations.shape != (len(weights), len(SCALE_POINTS)):
            raise SampleError(f"{path}: 'variations' must be (N, 9), got {variations.shape}")
        if points is not None and [tuple(map(float, p)) for p in points] != list(SCALE_POINTS):
            order = [points.index(p) for p in SCALE_POINTS]
            variations = variations[:, order]
    proxies = {k[6:]: data[k].astype(np.float64) for k in data.files if k.startswith("proxy_")}
    meta = json.loads(str(data["meta"])) if "meta" in data else {}
    return Sample(features, names, weights, variations, proxies, meta)
