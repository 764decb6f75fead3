"""Registries of the workflow's extension points: one list per kind of thing a user can name in the config.

Each extension point (identification methods, segmentation networks, trend indices, drivers) keeps its entries
in one :class:`Registry`, in the module of its concept. That registry is the only list: the config check refuses
a name it does not hold, the Snakefile builds the wildcard constraints from it, the rules and scripts look entries
up in it and the report takes captions from it, so adding a network or an index is one entry in one module
(docs/contributing.md shows how). ``tests/test_registries.py`` fails when the schema, a wildcard or a caption
disagrees with a registry.

A registry is a small ordered mapping of our own: nothing in the standard library or our dependencies names the
entries of a config option, refuses unknown names with the known ones and gives a wildcard pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """Entries by name, in the order they were added.

    Parameters
    ----------
    what : str
        What an entry is, in words ("segmentation network"), for error messages.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, T] = {}

    def add(self, entry: T) -> T:
        """Add ``entry`` under ``entry.name``.

        Raises
        ------
        ValueError
            For a name already registered or one that is not a path component (letters, digits, ``_``).
        """
        name = entry.name
        if name in self._entries:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise ValueError(f"{self.what} {name!r}: a name is letters, digits and _ only (it names files)")
        self._entries[name] = entry
        return entry

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a {self.what}; known: {', '.join(self._entries)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self, **fields) -> list[str]:
        """Names of the entries whose attributes equal ``fields`` (all of them without ``fields``), in order."""
        return [n for n, e in self._entries.items() if all(getattr(e, k) == v for k, v in fields.items())]

    def check(self, names: Iterable[str], key: str, allowed: Iterable[str] | None = None) -> None:
        """Refuse names that are not entries (or not among ``allowed``).

        Raises
        ------
        ValueError
            Naming the config ``key``, the unknown names and the names it takes.
        """
        allowed = list(self._entries if allowed is None else allowed)
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise ValueError(f"config key {key}: {', '.join(map(repr, unknown))} is not a {self.what} it takes; "
                             f"known: {', '.join(allowed)}")


def wildcard_pattern(names: Iterable[str]) -> str:
    """A regular expression matching exactly one of ``names`` (a Snakemake wildcard constraint), longest first so
    that no name matches as the prefix of another."""
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
