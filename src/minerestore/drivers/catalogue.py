"""The drivers of ecological quality, by name: the only list of them (:data:`DRIVERS`).

The mining-cities study's ten drivers (methods.md §12.1): six come as rasters the user gives
(``regions.<name>.drivers.<driver>``), two from the region's DEM, two from the mines. The config check refuses a
driver file under a name that is not here, the driver stack computes the derived ones, and figures and tables
name each driver in words with its units. Adding a driver is one :class:`Driver` entry here and its test
(docs/contributing.md, "add a driver"); a driver from a file needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from minerestore.registry import Registry


@dataclass(frozen=True)
class Driver:
    """A driver of RSEI on the analysis grid.

    Attributes
    ----------
    name : the config and column name (``night_light``).
    label : in words (``night-time light``).
    units : of its values on the analysis grid.
    source : ``file`` (a raster the user gives, resampled bilinearly), ``dem`` (from the region's DEM) or
        ``mines`` (computed from the mine polygons).
    """

    name: str
    label: str
    units: str
    source: str

    @property
    def title(self) -> str:
        """In words with its units, capitalised, for axes, legends and table headers: ``Elevation (m)``."""
        return f"{self.label[0].upper()}{self.label[1:]} ({self.units})"


DRIVERS: Registry[Driver] = Registry("driver")
for _driver in (
    Driver("precipitation", "annual precipitation", "mm/yr", "file"),
    Driver("gdp", "gross domestic product", "per km²", "file"),
    Driver("night_light", "night-time light", "nW/cm²/sr", "file"),
    Driver("electricity", "electricity consumption", "per km²", "file"),
    Driver("co2", "CO₂ emissions", "t/km²", "file"),
    Driver("pm25", "PM2.5", "µg/m³", "file"),
    Driver("dem", "elevation", "m", "dem"),
    Driver("slope", "slope", "°", "dem"),
    Driver("distance_to_mine", "distance to the nearest mine", "m", "mines"),
    Driver("mine_share", "mine area share in the window", "%", "mines"),
):
    DRIVERS.add(_driver)


def driver_title(name: str) -> str:
    """The :attr:`Driver.title` of the driver ``name``; a name the catalogue does not hold, as it is."""
    return DRIVERS[name].title if name in DRIVERS else name
