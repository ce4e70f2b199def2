"""The registry of decorrelation methods.

A method trains on a :class:`.train.TrainingSet` and returns a :class:`.train.TrainedModel`,
whose ``score(x, nu=None)`` scores events (``nu``, the nuisance (log2 k_R, log2 k_F), is used
by methods that take it). Each method is a small class in its own module with the attributes
``name``, ``label``, ``uses_lambda`` (the scan over lambda applies), ``takes_nu`` (its score
depends on the hypothesised nuisance, and its fit rebuilds templates at each nu) and the method
``train(data, *, lam, config, seed)``. Adding a method: write its module, add it to
:data:`METHODS` below (or call :func:`register_method`).
"""

from __future__ import annotations

from typing import Protocol

from scaleuq.errors import OptionError

from .aware import Aware
from .disco import DisCo
from .train import Adversarial, Baseline, TrainConfig, TrainedModel, TrainingSet


class Method(Protocol):
    """What a decorrelation method provides."""

    name: str
    label: str
    uses_lambda: bool
    takes_nu: bool

    def train(
        self, data: TrainingSet, *, lam: float, config: TrainConfig, seed: int
    ) -> TrainedModel:
        """Train on ``data`` with strength ``lam``; ``seed`` fixes initialisation and batches."""
        ...


#: The registered methods, by name.
METHODS: dict[str, Method] = {m.name: m for m in (Baseline(), Adversarial(), DisCo(), Aware())}


def register_method(method: Method) -> None:
    """Add (or replace) a method in :data:`METHODS`."""
    METHODS[method.name] = method


def get_method(name: str) -> Method:
    """The method called ``name``, or an OptionError listing the known ones."""
    try:
        return METHODS[name]
    except KeyError:
        raise OptionError(
            f"unknown decorrelation method {name!r}: choose from {', '.join(METHODS)}"
        ) from None
