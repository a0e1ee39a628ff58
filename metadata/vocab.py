"""Controlled vocabularies: EU data themes, EU update frequencies, licences.

Codes are those of the EU Publications Office authority tables
(http://publications.europa.eu/resource/authority/data-theme and .../frequency), so that
DCAT-AP harvesters understand them as they are.
"""
from __future__ import annotations

from dataclasses import dataclass

from metadata.messages import Text

EU_AUTHORITY = "http://publications.europa.eu/resource/authority"

THEMES: dict[str, Text] = {
    "AGRI": Text("Селско стопанство, рибарство, горско стопанство и храни", "Agriculture, fisheries, forestry and food"),
    "ECON": Text("Икономика и финанси", "Economy and finance"),
    "EDUC": Text("Образование, култура и спорт", "Education, culture and sport"),
    "ENER": Text("Енергетика", "Energy"),
    "ENVI": Text("Околна среда", "Environment"),
    "GOVE": Text("Правителство и публичен сектор", "Government and public sector"),
    "HEAL": Text("Здравеопазване", "Health"),
    "INTR": Text("Международни въпроси", "International issues"),
    "JUST": Text("Правосъдие, правна система и обществена безопасност", "Justice, legal system and public safety"),
    "REGI": Text("Региони и градове", "Regions and cities"),
    "SOCI": Text("Население и общество", "Population and society"),
    "TECH": Text("Наука и технологии", "Science and technology"),
    "TRAN": Text("Транспорт", "Transport"),
}


@dataclass(frozen=True)
class Frequency:
    """A promised update frequency and how many days may pass between releases."""

    label: Text
    days: int | None  # None: no promise that a clock can check


FREQUENCIES: dict[str, Frequency] = {
    "DAILY": Frequency(Text("ежедневно", "daily"), 1),
    "WEEKLY": Frequency(Text("седмично", "weekly"), 7),
    "MONTHLY": Frequency(Text("месечно", "monthly"), 31),
    "QUARTERLY": Frequency(Text("тримесечно", "quarterly"), 92),
    "ANNUAL_2": Frequency(Text("на полугодие", "semiannual"), 183),
    "ANNUAL": Frequency(Text("годишно", "annual"), 366),
    "BIENNIAL": Frequency(Text("на две години", "biennial"), 731),
    "IRREG": Frequency(Text("нередовно", "irregular"), None),
    "UPDATE_CONT": Frequency(Text("непрекъснато", "continuously updated"), None),
    "NEVER": Frequency(Text("не се обновява", "never"), None),
    "UNKNOWN": Frequency(Text("неизвестно", "unknown"), None),
}


@dataclass(frozen=True)
class Licence:
    """A licence we can name and link."""

    title: Text
    url: str


LICENCES: dict[str, Licence] = {
    "CC-BY-4.0": Licence(Text("Криейтив Комънс Признание 4.0", "Creative Commons Attribution 4.0"),
                         "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": Licence(Text("Криейтив Комънс Нула 1.0 (обществено достояние)", "Creative Commons Zero 1.0 (public domain)"),
                       "https://creativecommons.org/publicdomain/zero/1.0/"),
    "CC-BY-SA-4.0": Licence(Text("Криейтив Комънс Признание-Споделяне на споделеното 4.0", "Creative Commons Attribution-ShareAlike 4.0"),
                            "https://creativecommons.org/licenses/by-sa/4.0/"),
    "ODbL-1.0": Licence(Text("Лиценз за отворени бази данни 1.0", "Open Data Commons Open Database License 1.0"),
                        "https://opendatacommons.org/licenses/odbl/1-0/"),
}
DEFAULT_LICENCE = "CC-BY-4.0"
DEFAULT_FREQUENCY = "UNKNOWN"
