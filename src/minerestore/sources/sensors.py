"""Sensor profiles: native band names, scale and offset, and the quality masks of each product.

Every acquisition is turned into the same canonical quantities: surface (or top-of-atmosphere) reflectance
``blue, green, red, nir, swir1, swir2`` (unitless, 0–1), MODIS band 5 as ``swir1240`` (1230–1250 nm; only MODIS
has it, for the seven-band MODIS tasseled cap), ``ndvi`` where the product is a vegetation-index product
(MOD13A1), ``lst`` (kelvin) where the product has it, and two boolean layers: ``clear`` (usable observation) and
``snow`` (a valid snow observation, kept for the snow mask).

Sources: methods.md §1.1 (Landsat C2 L2 scale/offset and QA_PIXEL bits, MODIS MOD09A1 StateQA and MOD11A2
QC bits, Sentinel-2 L2A scale and BOA offset) (with the SCL classes to mask); the MOD09A1 500 m QC bits (MODLAND
QA and per-band data quality) and the MOD13A1 VI Quality bits from the MODIS Surface Reflectance and VI user's
guides (Vermote et al.; Didan et al.), as GRASS ``i.modis.qc`` decodes them. Sentinel-2 Level-1C (methods.md
§1.3): top-of-atmosphere reflectance DN / 10000, minus 0.1 for processing baseline 04.00 and later unless
harmonised (ESA's radiometric offset, as Earth Engine's harmonised collections remove it); QA60 bits 10 (opaque
clouds) and 11 (cirrus) from the Earth Engine catalogue's description of ``COPERNICUS/S2_HARMONIZED``; snow by the
NDSI rule of :func:`ndsi_snow`, as Level-1C has no scene classification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REFLECTANCE_BANDS = ("blue", "green", "red", "nir", "swir1", "swir2")
#: Reflectance bands only some sensors have: MODIS band 5 (1230–1250 nm).
EXTRA_REFLECTANCE_BANDS = ("swir1240",)

#: Sentinel-2 SCL classes masked as not clear (methods.md §1.1): no data, saturated, cloud shadow,
#: cloud medium/high probability, cirrus, snow (snow is counted separately as a snow observation).
SCL_MASKED = (0, 1, 3, 8, 9, 10, 11)
#: Optional conservative additions: dark area pixels, unclassified/low-probability cloud.
SCL_CONSERVATIVE = (2, 7)
SCL_SNOW = 11
#: QA60 bits of Sentinel-2 Level-1C: 10 opaque clouds, 11 cirrus (Earth Engine, COPERNICUS/S2_HARMONIZED).
QA60_OPAQUE, QA60_CIRRUS = 10, 11
#: Snow from the normalised difference snow index where a product has no snow flag (Sentinel-2 Level-1C): NDSI =
#: (G - SWIR1) / (G + SWIR1) >= 0.4 with NIR > 0.11 and green > 0.10 reflectance, the SNOMAP rule of Hall et al.
#: (1995, Remote Sens. Environ. 54:127-140; Hall, Riggs & Salomonson 2002 for MODIS); the NIR test keeps water
#: (NDSI high, NIR dark) out.
NDSI_SNOW, NDSI_MIN_NIR, NDSI_MIN_GREEN = 0.4, 0.11, 0.10
#: Quantities the NDSI snow rule reads.
NDSI_QUANTITIES = ("green", "nir", "swir1")
#: The ten Level-1C bands s2cloudless classifies, in its order (its ``MODEL_BAND_IDS``).
S2CLOUDLESS_BANDS = ("B01", "B02", "B04", "B05", "B08", "B8A", "B09", "B10", "B11", "B12")


@dataclass(frozen=True)
class SensorProfile:
    """How to read one product.

    Attributes
    ----------
    family : str
        ``sentinel2``, ``landsat`` or ``modis``; a region's ``sensor`` selects acquisitions by family.
    bands : dict
        canonical name -> native band name.
    qa_band : str or None
        Native name of the quality band.
    qa_kind : str
        ``scl``, ``qa_pixel``, ``bqa_c1``, ``state_qa``, ``mod11_qc``, ``vi_quality`` or ``none``.
    qc_band : str or None
        Native name of a second quality band the ``qa_kind`` rule also reads (MOD09A1: the 500 m QC band).
    scale, offset : float
        Reflectance = DN * scale + offset.
    dn_max : int
        Largest plausible reflectance DN; a file whose reflectance DN are mostly above it has the wrong scale.
    lst_scale, lst_offset : float
        LST (K) = DN * lst_scale + lst_offset.
    nodata_dn : int or None
        DN marking fill.
    level : str
        ``L2`` (surface reflectance), ``L1C`` (Sentinel-2 top-of-atmosphere reflectance, ``DN * scale + offset`` as
        Level-2), ``L1`` (needs MTL calibration, :mod:`minerestore.landsat_l1`) or ``composite``.
    qa_optional : bool
        The quality band may be missing (Sentinel-2 Level-1C without QA60): clouds then come from a cloud detector
        (:mod:`minerestore.sources.clouds`).
    """

    family: str
    bands: dict
    qa_band: str | None
    qa_kind: str
    scale: float = 1.0
    offset: float = 0.0
    dn_max: int = 10000
    lst_scale: float = 1.0
    lst_offset: float = 0.0
    nodata_dn: int | None = 0
    level: str = "L2"
    qc_band: str | None = None
    qa_optional: bool = False

    @property
    def scaled(self) -> bool:
        """Reflectance is ``DN * scale + offset`` (Level-2 and Sentinel-2 Level-1C), not an MTL calibration."""
        return self.level in ("L2", "L1C")

    @property
    def quality_bands(self) -> list[str]:
        """Native names of the quality bands (read with nearest-neighbour resampling)."""
        return [b for b in (self.qa_band, self.qc_band) if b]

    @property
    def native_bands(self) -> list[str]:
        return list(self.bands.values()) + self.quality_bands


_S2_BANDS = {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir1": "B11", "swir2": "B12"}
_L89_C2 = {"blue": "SR_B2", "green": "SR_B3", "red": "SR_B4", "nir": "SR_B5", "swir1": "SR_B6", "swir2": "SR_B7",
           "lst": "ST_B10"}
_L57_C2 = {"blue": "SR_B1", "green": "SR_B2", "red": "SR_B3", "nir": "SR_B4", "swir1": "SR_B5", "swir2": "SR_B7",
           "lst": "ST_B6"}
_C2 = dict(qa_band="QA_PIXEL", qa_kind="qa_pixel", scale=2.75e-05, offset=-0.2, dn_max=43636,  # refl 1.0
           lst_scale=0.00341802, lst_offset=149.0, nodata_dn=0)
_L8_C1 = {"blue": "B2", "green": "B3", "red": "B4", "nir": "B5", "swir1": "B6", "swir2": "B7", "lst": "B10"}
_L57_C1 = {"blue": "B1", "green": "B2", "red": "B3", "nir": "B4", "swir1": "B5", "swir2": "B7", "lst": "B6_VCID_1"}

PROFILES: dict[str, SensorProfile] = {
    # Sentinel-2 L2A, harmonised DN (BOA offset already removed); methods.md §1.1
    "sentinel2_l2a": SensorProfile(
        "sentinel2", _S2_BANDS, "SCL", "scl", scale=1e-4, offset=0.0, dn_max=10000, nodata_dn=0),
    # Sentinel-2 L2A raw products of processing baseline >= 04.00: BOA_ADD_OFFSET = -1000
    "sentinel2_l2a_pb04": SensorProfile(
        "sentinel2", _S2_BANDS, "SCL", "scl", scale=1e-4, offset=-0.1, dn_max=11000, nodata_dn=0),
    # Sentinel-2 Level-1C top-of-atmosphere reflectance (methods.md §1.3): harmonised DN (Earth Engine's
    # COPERNICUS/S2_HARMONIZED, and products before baseline 04.00), and raw products of baseline >= 04.00 (offset
    # -1000 DN). Clouds from QA60 where the acquisition has it, else from the cloud detector; TOA reflectance
    # of bright clouds and snow exceeds 1, hence the larger dn_max. Baseline 04.00 products carry no QA60 raster.
    "sentinel2_l1c": SensorProfile(
        "sentinel2", _S2_BANDS, "QA60", "qa60", scale=1e-4, offset=0.0, dn_max=20000, nodata_dn=0, level="L1C",
        qa_optional=True),
    "sentinel2_l1c_pb04": SensorProfile(
        "sentinel2", _S2_BANDS, None, "none", scale=1e-4, offset=-0.1, dn_max=21000, nodata_dn=0, level="L1C"),
    "landsat8_c2l2": SensorProfile("landsat", _L89_C2, **_C2),
    "landsat9_c2l2": SensorProfile("landsat", _L89_C2, **_C2),
    "landsat7_c2l2": SensorProfile("landsat", _L57_C2, **_C2),
    "landsat5_c2l2": SensorProfile("landsat", _L57_C2, **_C2),
    # Level-1 (Collection 1 or 2): reflectance and brightness temperature from the MTL, see landsat_l1.py
    "landsat8_l1": SensorProfile("landsat", _L8_C1, "BQA", "bqa_c1", dn_max=65535, nodata_dn=0, level="L1"),
    "landsat7_l1": SensorProfile("landsat", _L57_C1, "BQA", "bqa_c1", dn_max=255, nodata_dn=0, level="L1"),
    "landsat5_l1": SensorProfile("landsat", _L57_C1, "BQA", "bqa_c1", dn_max=255, nodata_dn=0, level="L1"),
    # MODIS MOD09A1 (8-day 500 m reflectance, all seven bands; StateQA and the 500 m QC band), MOD13A1 (16-day
    # 500 m NDVI with its VI Quality band) and MOD11A2 (8-day 1 km LST); methods.md §1.1. Native names are Earth
    # Engine's; STAC assets (sur_refl_state_500m, sur_refl_qc_500m, 500m_16_days_NDVI …) are aliases of them.
    "modis_mod09a1": SensorProfile(
        "modis",
        {"red": "sur_refl_b01", "nir": "sur_refl_b02", "blue": "sur_refl_b03", "green": "sur_refl_b04",
         "swir1240": "sur_refl_b05", "swir1": "sur_refl_b06", "swir2": "sur_refl_b07"},
        "StateQA", "state_qa", scale=1e-4, offset=0.0, dn_max=16000, nodata_dn=-28672, qc_band="QA"),
    "modis_mod13a1": SensorProfile(
        "modis", {"ndvi": "NDVI"}, "DetailedQA", "vi_quality", scale=1e-4, offset=0.0, dn_max=10000,
        nodata_dn=-3000),
    "modis_mod11a2": SensorProfile(
        "modis", {"lst": "LST_Day_1km"}, "QC_Day", "mod11_qc", lst_scale=0.02, lst_offset=0.0, dn_max=65535,
        nodata_dn=0),
    # Ready composites: float32 GeoTIFF with canonical band names (blue … swir2, optional lst), NaN = nodata
    "composite": SensorProfile(
        "any", {b: b for b in REFLECTANCE_BANDS}, None, "none", dn_max=2, nodata_dn=None, level="composite"),
}


def get_profile(sensor: str, where: str = "") -> SensorProfile:
    """Look up a sensor profile by name.

    Raises
    ------
    KeyError
        Naming ``where`` (file or table row), the unknown sensor and the known ones.
    """
    try:
        return PROFILES[sensor]
    except KeyError:
        raise KeyError(f"{where}: unknown sensor {sensor!r}; known sensors: {sorted(PROFILES)}") from None


def _bits(qa: np.ndarray, first: int, count: int = 1) -> np.ndarray:
    return (qa.astype(np.int64) >> first) & ((1 << count) - 1)


def scl_masks(scl: np.ndarray, conservative: bool) -> tuple[np.ndarray, np.ndarray]:
    """Clear and snow masks from the Sentinel-2 L2A scene classification (methods.md §1.1).

    Parameters
    ----------
    scl : ndarray of int, any shape
        SCL class codes 0–11.
    conservative : bool
        Also mask classes 2 (dark area) and 7 (unclassified / cloud low probability) (config
        ``composite.scl_conservative``).

    Returns
    -------
    clear, snow : ndarray of bool, same shape
        ``clear`` is False for classes {0, 1, 3, 8, 9, 10, 11} (+ {2, 7}); ``snow`` is True for class 11.
    """
    masked = SCL_MASKED + (SCL_CONSERVATIVE if conservative else ())
    return ~np.isin(scl, masked), scl == SCL_SNOW


def qa60_masks(qa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clear mask from the Sentinel-2 Level-1C ``QA60`` band (methods.md §1.3): ``qa`` ndarray of int (any shape)
    -> (clear, snow) bool arrays of that shape. Clear iff bit 10 (opaque clouds) and bit 11 (cirrus) are 0. QA60
    flags no snow: ``snow`` is all False (:func:`ndsi_snow` gives it from the reflectance)."""
    q = qa.astype(np.int64)
    clear = (_bits(q, QA60_OPAQUE) == 0) & (_bits(q, QA60_CIRRUS) == 0)
    return clear, np.zeros_like(clear)


def ndsi_snow(green: np.ndarray, nir: np.ndarray, swir1: np.ndarray) -> np.ndarray:
    """Snow from reflectance where a product has no snow flag (Sentinel-2 Level-1C; methods.md §1.3): NDSI =
    (G − SWIR1) / (G + SWIR1) >= :data:`NDSI_SNOW` with NIR > :data:`NDSI_MIN_NIR` and green >
    :data:`NDSI_MIN_GREEN` (Hall et al. 1995). Reflectance arrays (unitless) of one shape -> bool of that shape;
    False where a value is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ndsi = (green - swir1) / (green + swir1)
    return (ndsi >= NDSI_SNOW) & (nir > NDSI_MIN_NIR) & (green > NDSI_MIN_GREEN)


def qa_pixel_masks(qa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clear and snow masks from Landsat Collection 2 ``QA_PIXEL`` (methods.md §1.1).

    A pixel is clear iff bits 0 (fill), 1 (dilated cloud), 2 (cirrus), 3 (cloud), 4 (cloud shadow) and
    5 (snow) are all 0; it is a snow observation iff bit 5 is set and bits 0–4 are 0.
    """
    q = qa.astype(np.int64)
    bad = (q & 0b011111) != 0
    snow = _bits(q, 5) == 1
    return ~bad & ~snow, ~bad & snow


def bqa_c1_masks(bqa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clear and snow masks from the Landsat Collection 1 Level-1 ``BQA`` band.

    Bits (USGS Landsat Collection 1 Level-1 QA band, LSDS-1873): 0 designated fill, 4 cloud, 7–8 cloud-shadow
    confidence, 9–10 snow/ice confidence, 11–12 cirrus confidence (Landsat 8 only; 0 for TM/ETM+).
    Not clear: fill, cloud, or high (3) confidence of shadow, snow or cirrus. Snow: snow confidence high.
    """
    q = bqa.astype(np.int64)
    fill = _bits(q, 0) == 1
    cloud = _bits(q, 4) == 1
    shadow = _bits(q, 7, 2) == 3
    snow = _bits(q, 9, 2) == 3
    cirrus = _bits(q, 11, 2) == 3
    bad = fill | cloud | shadow | cirrus
    return ~bad & ~snow, ~bad & snow


def state_qa_masks(qa: np.ndarray, qc: np.ndarray | None = None,
                   strict_cirrus: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Clear and snow masks from MOD09A1 ``StateQA`` and, when given, its 500 m ``QA`` band (methods.md §1.1).

    StateQA (recommended rule): clear iff cloud state (bits 0–1) in {0 clear, 3 not set}, bit 2 (shadow) = 0,
    bit 10 (internal cloud) = 0, bit 12 (MOD35 snow) = 0, bit 13 (adjacent to cloud) = 0, bit 15 (internal snow)
    = 0; with ``strict_cirrus`` also cirrus (bits 8–9) <= 1. Snow: bit 12 or bit 15 set on an otherwise clear pixel.

    QC 500 m (``sur_refl_qc_500m``, as the mining-cities study masked): the pixel must also have been corrected
    (MODLAND QA, bits 0–1, in {0 ideal, 1 less than ideal}) with the highest data quality (0) in each of the seven
    bands (4 bits per band from bit 2: 2–5 band 1 … 26–29 band 7).

    Parameters
    ----------
    qa, qc : ndarray of int, same shape (qc optional)
    """
    q = qa.astype(np.int64)
    cloud_state = _bits(q, 0, 2)
    cloudy = ~np.isin(cloud_state, (0, 3)) | (_bits(q, 2) == 1) | (_bits(q, 10) == 1) | (_bits(q, 13) == 1)
    if strict_cirrus:
        cloudy |= _bits(q, 8, 2) > 1
    if qc is not None:
        c = qc.astype(np.int64) & 0xFFFFFFFF  # int32 files hold the unsigned 32-bit word
        cloudy |= _bits(c, 0, 2) > 1
        cloudy |= _bits(c, 2, 28) != 0  # the seven 4-bit band qualities
    snow = (_bits(q, 12) == 1) | (_bits(q, 15) == 1)
    return ~cloudy & ~snow, ~cloudy & snow


def vi_quality_masks(qa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clear and snow masks from the MOD13A1 ``VI Quality`` band (``DetailedQA``): ``qa`` ndarray of int (any
    shape) -> (clear, snow) bool arrays of the same shape.

    Clear iff the VI quality (bits 0–1) is 0 (good) or 1 (produced, check other QA), and there is no adjacent
    cloud (bit 8), no mixed cloud (bit 10), no snow/ice (bit 14) and no shadow (bit 15). Snow: bit 14 on a pixel
    that is otherwise clear.
    """
    q = qa.astype(np.int64)
    bad = (_bits(q, 0, 2) > 1) | (_bits(q, 8) == 1) | (_bits(q, 10) == 1) | (_bits(q, 15) == 1)
    snow = _bits(q, 14) == 1
    return ~bad & ~snow, ~bad & snow


def mod11_qc_masks(qc: np.ndarray, accept_unreliable: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Clear mask from MOD11A2 ``QC_Day`` (methods.md §1.1): bits 0–1 == 0 (good quality); with
    ``accept_unreliable`` also bits 0–1 == 1 when the LST error (bits 6–7) is <= 1 (≤ 2 K). No snow flag."""
    q = qc.astype(np.int64)
    mandatory = _bits(q, 0, 2)
    clear = mandatory == 0
    if accept_unreliable:
        clear |= (mandatory == 1) & (_bits(q, 6, 2) <= 1)
    return clear, np.zeros_like(clear)


QA_FUNCTIONS = {
    "scl": scl_masks,
    "qa60": qa60_masks,
    "qa_pixel": qa_pixel_masks,
    "bqa_c1": bqa_c1_masks,
    "state_qa": state_qa_masks,
    "mod11_qc": mod11_qc_masks,
    "vi_quality": vi_quality_masks,
}


def scale_level2(dns: dict[str, np.ndarray], profile: SensorProfile,
                 clear: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Physical values of one Level-2 observation: reflectance (unitless) and LST (K) from digital numbers,
    ``DN * scale + offset`` (:class:`SensorProfile`; methods.md §1.1), NaN wherever the observation is not clear.

    A pixel is clear where ``clear`` says so and every band of ``dns`` has data (not the fill DN, finite): an
    observation with one band missing is dropped whole, as the composite's per-observation rule wants. The
    scaling and the masking are one pass per band (``DN * scale`` plus an array holding the offset where clear
    and NaN elsewhere, built once per offset), not a masked assignment per band: this is the composite's
    innermost loop.

    Parameters
    ----------
    dns : dict
        Canonical quantity (``blue`` … ``swir2``, ``lst``, ``ndvi``) -> DN array, all of one shape, any numeric
        dtype. ``lst`` takes the profile's LST scale and offset, the others its reflectance scale and offset.
    profile : SensorProfile of a Level-2 product.
    clear : ndarray of bool, optional
        The quality bands' clear mask (default: all clear). Not modified.

    Returns
    -------
    values : dict of float32 arrays, same keys and shape as ``dns``
    clear : ndarray of bool: ``clear`` less the pixels where a band has no data.

    Raises
    ------
    ValueError
        When ``dns`` is empty (there is nothing to scale, and no shape for the clear mask).
    """
    if not dns:
        raise ValueError(f"scale_level2: no band given for the {profile.family} product")
    shape = next(iter(dns.values())).shape
    clear = np.ones(shape, bool) if clear is None else clear.copy()
    for dn in dns.values():
        if profile.nodata_dn is not None:
            clear &= dn != profile.nodata_dn
        if dn.dtype.kind == "f":
            clear &= np.isfinite(dn)
    shifts: dict[float, np.ndarray] = {}  # offset where clear, NaN elsewhere
    values = {}
    for name, dn in dns.items():
        scale, offset = (profile.lst_scale, profile.lst_offset) if name == "lst" else (profile.scale, profile.offset)
        if offset not in shifts:
            shifts[offset] = np.where(clear, np.float32(offset), np.float32(np.nan))
        values[name] = np.multiply(dn, np.float32(scale), dtype=np.float32)  # no float64 temporary
        values[name] += shifts[offset]
    return values, clear
