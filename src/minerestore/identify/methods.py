"""The mine identification methods, by name: the only list of them (:data:`METHODS`).

``identify.method`` picks one and ``identify.compare`` scores several on the same test mines; the config check,
the identify rules (which rule writes a method's polygons) and the methods table read this registry. Every
segmentation network (:data:`minerestore.identify.networks.NETWORKS`) is a method; adding another kind of method
is one :class:`Method` entry here, a rule that writes ``mines.gpkg`` and its test (docs/contributing.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from minerestore.identify.networks import NETWORKS
from minerestore.registry import Registry


@dataclass(frozen=True)
class Method:
    """A way to get a region's mine polygons.

    Attributes
    ----------
    name : the config name (``object_rf``).
    label : in words, for tables and figures.
    needs_reference : it trains on (or is) digitised mine polygons, so a region that is not synthetic must give
        ``reference_mines``.
    rule : the rule that writes its polygons (``segment`` for every network, the ``{network}`` wildcard naming
        it); None for the reference itself.
    comparable : it can be scored in ``identify.compare`` (the reference cannot be scored against itself).
    """

    name: str
    label: str
    needs_reference: bool
    rule: str | None
    comparable: bool = True


METHODS: Registry[Method] = Registry("mine identification method")
METHODS.add(Method("object_rf", "object-based random forest", True, "object_rf"))
METHODS.add(Method("candidates", "candidate rules", False, "candidate_mines"))
METHODS.add(Method("reference", "digitised reference", True, None, comparable=False))
for _network in NETWORKS.values():
    METHODS.add(Method(_network.name, _network.label, True, "segment"))
