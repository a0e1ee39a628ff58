"""Bilingual messages about places: recognised place columns, unknown codes, maps (merged into MESSAGES)."""
from __future__ import annotations

PLACE_KINDS: dict[str, tuple[str, str]] = {
    "ekatte": ("кодове по ЕКАТТЕ (населени места)", "EKATTE codes (settlements)"),
    "municipality": ("кодове на общини", "municipality codes"),
    "latitude": ("географска ширина", "latitude"),
    "longitude": ("географска дължина", "longitude"),
    "none": ("не е място", "not a place"),
}

PLACES_MESSAGES: dict[str, tuple[str, str]] = {
    "places.recognised": (
        "Колона „{field}“ е разпозната като {kind_bg}; от нея се прави карта и файл GeoJSON.",
        "Column '{field}' was recognised as {kind_en}; it gives a map and a GeoJSON file.",
    ),
    "places.unknown-ekatte": (
        "Ред {row}: „{value}“ не е код по ЕКАТТЕ на населено място; редът остава без точка на картата.",
        "Row {row}: '{value}' is not the EKATTE code of a settlement; the row gets no point on the map.",
    ),
    "places.unknown-municipality": (
        "Ред {row}: „{value}“ не е код на община; редът остава без област на картата.",
        "Row {row}: '{value}' is not a municipality code; the row gets no area on the map.",
    ),
    "places.outside-bulgaria": (
        "Ред {row}: координатата „{value}“ в колона „{field}“ е извън България; редът остава без точка.",
        "Row {row}: the coordinate '{value}' in column '{field}' is outside Bulgaria; the row gets no point.",
    ),
    "places.more-unknown": (
        "Още {count} реда с непознати места не са изброени (показани са първите {limit}).",
        "{count} more rows with unknown places are not listed (the first {limit} are shown).",
    ),
    "places.unknown-area": (
        "Няма община с код „{code}“.",
        "There is no municipality with the code '{code}'.",
    ),
    "places.no-map": (
        "Този набор няма колона с места, затова няма карта.",
        "This dataset has no column of places, so it has no map.",
    ),
    "places.no-number": (
        "Колоната „{field}“ не е числова колона на този набор.",
        "The column '{field}' is not a number column of this dataset.",
    ),
}
