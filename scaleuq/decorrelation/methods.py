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

from scaleuq.util.registry import Registry

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


#: The registered methods, by name (:class:`scaleuq.util.registry.Registry`); the CLI's
#: ``--methods`` help lists them.
METHODS: Registry[Method] = Registry("decorrelation method")
for _method in (Baseline(), Adversarial(), DisCo(), Aware()):
    METHODS.register(_method.name, _method)
del _method


def register_method(method: Method, *, replace: bool = False) -> Method:
    """Add a method to :data:`METHODS` (``replace`` an existing one of the same name)."""
    return METHODS.register(method.name, method, replace=replace)


def get_method(name: str) -> Method:
    """The method called ``name``, or an OptionError listing the known ones."""
    return METHODS.get(name)
