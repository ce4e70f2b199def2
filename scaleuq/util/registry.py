"""One registry pattern for everything users extend.

Pull-distribution models (:data:`scaleuq.stats.models.MODELS`), decorrelation methods
(:data:`scaleuq.decorrelation.methods.METHODS`), missing-higher-order methods
(:data:`scaleuq.stats.mhou.METHODS`), PDF backends (:mod:`scaleuq.pdf`) and input readers are
each a :class:`Registry`: a read-only mapping name -> object with :meth:`Registry.register`,
:meth:`Registry.unregister` and :meth:`Registry.get` (an unknown name is an
:class:`~scaleuq.errors.OptionError` listing the known ones). The command line builds its
choice lists and help texts from the registries when they are shown
(:class:`scaleuq.cli.options.RegistryChoice`), so a registered extension appears in
``--help`` and is accepted by the option without touching the CLI.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

from scaleuq.errors import OptionError

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """A named, ordered collection of extensions of one kind.

    Args:
        kind: what the entries are, for messages ("pull model", "decorrelation method").
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def alias(self, old: str, new: str) -> None:
        """Accept the old name ``old`` for ``new`` in :meth:`get`, with a FutureWarning (a
        renamed entry keeps working for one release)."""
        self._aliases[old] = new

    def register(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Add ``entry`` under ``name`` (returned, so that this works as a decorator helper).

        Raises:
            OptionError: ``name`` is empty or taken and ``replace`` is false.
        """
        if not isinstance(name, str) or not name.strip():
            raise OptionError(f"a {self.kind} needs a non-empty name, got {name!r}")
        if name in self._entries and not replace:
            raise OptionError(f"a {self.kind} named '{name}' is already registered")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove ``name`` (no error if absent)."""
        self._entries.pop(name, None)

    def get(self, name: str) -> T:  # type: ignore[override]
        """The entry called ``name``.

        Raises:
            OptionError: no entry of that name (the message lists the known ones and the
                closest match).
        """
        if name in self._aliases and name not in self._entries:
            import warnings

            new = self._aliases[name]
            warnings.warn(
                f"the {self.kind} {name!r} is now called {new!r}; the old name goes in the next "
                "release",
                FutureWarning,
                stacklevel=2,
            )
            name = new
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            close = difflib.get_close_matches(str(name), list(self._entries), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise OptionError(
                f"unknown {self.kind} {name!r}{hint}; choose from {', '.join(self._entries)}"
            ) from None

    def names(self) -> tuple[str, ...]:
        """The registered names, in registration order."""
        return tuple(self._entries)

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"
