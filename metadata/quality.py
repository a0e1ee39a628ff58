"""Metadata quality: a score per dataset along the dimensions of the data.europa.eu Metadata
Quality Assessment (MQA) — findability, accessibility, interoperability, reusability and
contextuality — with each check explained and, when it fails, a concrete fix.

Points follow the MQA methodology (405 in all); checks the MQA makes over HTTP (is the access
URL reachable?) are made here against the release files the portal itself serves.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from metadata.messages import Text
from metadata.records import Dataset, Publisher, Release
from metadata.vocab import LICENCES, THEMES

DIMENSIONS: dict[str, Text] = {
    "findability": Text("Откриваемост", "Findability"),
    "accessibility": Text("Достъпност", "Accessibility"),
    "interoperability": Text("Оперативна съвместимост", "Interoperability"),
    "reusability": Text("Повторна използваемост", "Reusability"),
    "contextuality": Text("Контекст", "Contextuality"),
}
# MQA rating bands, as shares of the maximum (351/405, 221/405, 121/405).
RATINGS = ((351 / 405, "excellent"), (221 / 405, "good"), (121 / 405, "sufficient"), (0.0, "bad"))
RATING_LABELS = {"excellent": Text("отлично", "excellent"), "good": Text("добро", "good"),
                 "sufficient": Text("задоволително", "sufficient"), "bad": Text("слабо", "bad")}
MACHINE_READABLE = {"text/csv", "application/json", "application/vnd.sqlite3", "application/zip"}


@dataclass(frozen=True)
class Check:
    """One MQA check: what it looks at, whether it passed, and how to fix it."""

    id: str
    dimension: str
    points: int
    passed: bool
    title: Text
    why: Text
    fix: Text

    @property
    def earned(self) -> int:
        return self.points if self.passed else 0


@dataclass(frozen=True)
class Quality:
    """A dataset's metadata quality."""

    checks: tuple[Check, ...]

    @property
    def score(self) -> int:
        return sum(c.earned for c in self.checks)

    @property
    def maximum(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.maximum) if self.maximum else 0

    @property
    def rating(self) -> str:
        share = self.score / self.maximum if self.maximum else 0
        return next(name for bound, name in RATINGS if share >= bound)

    def dimension(self, name: str) -> tuple[int, int]:
        """Return (points earned, points possible) in one dimension."""
        mine = [c for c in self.checks if c.dimension == name]
        return sum(c.earned for c in mine), sum(c.points for c in mine)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


def _check(id: str, dimension: str, points: int, passed: bool, title: tuple[str, str],
           why: tuple[str, str], fix: tuple[str, str]) -> Check:
    return Check(id, dimension, points, bool(passed), Text(*title), Text(*why), Text(*fix))


def _findability(d: Dataset) -> list[Check]:
    return [
        _check("keywords", "findability", 30, d.keywords,
               ("Ключови думи", "Keywords"),
               ("Ключовите думи помагат наборът да бъде намерен при търсене.",
                "Keywords help people find the dataset when they search."),
               ("Добавете няколко ключови думи във формата на набора.",
                "Add a few keywords in the dataset form.")),
        _check("themes", "findability", 30, d.themes and all(t in THEMES for t in d.themes),
               ("Теми от речника на ЕС", "Themes from the EU vocabulary"),
               ("Темите (data-theme на ЕС) позволяват търсене по категории в европейските портали.",
                "Themes (the EU data-theme table) let European portals list the dataset by category."),
               ("Изберете поне една тема.", "Choose at least one theme.")),
        _check("spatial", "findability", 20, d.spatial,
               ("Пространствен обхват", "Spatial coverage"),
               ("Посочената територия позволява търсене по място.",
                "A named area lets people search by place."),
               ("Попълнете територията (напр. „Община Левски“).",
                "Fill in the area covered (e.g. 'Municipality of Levski').")),
        _check("temporal", "findability", 20, d.temporal_start or d.temporal_end,
               ("Времеви обхват", "Temporal coverage"),
               ("Периодът, за който са данните, позволява търсене по време.",
                "The period the data covers lets people search by time."),
               ("Попълнете началната и крайната дата на периода.",
                "Fill in the start and end dates of the period covered.")),
    ]


def _accessibility(release: Release | None, files_present: bool) -> list[Check]:
    data = release.file("data") if release else None
    return [
        _check("access_url", "accessibility", 50, release is not None,
               ("Адрес за достъп", "Access URL"),
               ("Всяка публикувана версия има страница, от която данните са достъпни.",
                "Every published release has a page from which the data can be reached."),
               ("Публикувайте първа версия на данните.", "Publish a first release of the data.")),
        _check("download_url", "accessibility", 20, data is not None,
               ("Адрес за изтегляне", "Download URL"),
               ("Пряка връзка към файла с данни позволява автоматично изтегляне.",
                "A direct link to the data file allows automated downloads."),
               ("Публикувайте данните като таблица (CSV или XLSX), за да има CSV файл.",
                "Publish the data as a table (CSV or XLSX) so that a CSV file exists.")),
        _check("reachable", "accessibility", 30, release is not None and files_present,
               ("Файловете се отварят", "Files are reachable"),
               ("MQA проверява, че адресите отговарят; тук проверяваме, че файловете на версията са налице.",
                "The MQA checks that the URLs answer; here we check that the release files are present."),
               ("Проверете целостта на инстанцията (otkrito check) или публикувайте отново.",
                "Check the instance (otkrito check) or publish again.")),
    ]


def _interoperability(d: Dataset, release: Release | None) -> list[Check]:
    files = release.files if release else ()
    types = {f.media_type for f in files if f.role != "source"}
    return [
        _check("format", "interoperability", 20, bool(files),
               ("Формат", "Format"), ("Всеки файл посочва формата си.", "Each file states its format."),
               ("Публикувайте версия на данните.", "Publish a release of the data.")),
        _check("media_type", "interoperability", 10, bool(types) and all("/" in t for t in types),
               ("Тип на медията (IANA)", "Media type (IANA)"),
               ("Типовете от регистъра на IANA казват на програмите как да отворят файла.",
                "IANA media types tell programs how to open a file."),
               ("Публикувайте версия на данните.", "Publish a release of the data.")),
        _check("machine_readable", "interoperability", 20, "text/csv" in types,
               ("Машинночетим формат", "Machine-readable format"),
               ("CSV се обработва от програми без ръчна работа.",
                "CSV can be processed by programs without manual work."),
               ("Публикувайте таблица, а не документ.", "Publish a table, not a document.")),
        _check("non_proprietary", "interoperability", 20, bool(types) and types <= MACHINE_READABLE,
               ("Отворен формат", "Non-proprietary format"),
               ("Отворените формати се четат без платен софтуер.",
                "Open formats can be read without paid software."),
               ("Публикувайте данните в CSV.", "Publish the data as CSV.")),
        _check("dcat_ap", "interoperability", 30, bool(d.title.bg and d.description.bg and d.licence),
               ("Съответствие с DCAT-AP", "DCAT-AP compliance"),
               ("Заглавие, описание, издател и лиценз са задължителни в DCAT-AP.",
                "Title, description, publisher and licence are mandatory in DCAT-AP."),
               ("Попълнете заглавие и описание.", "Fill in the title and the description.")),
        _check("table_schema", "interoperability", 10, bool(d.table_schema),
               ("Описани колони", "Described columns"),
               ("Схемата (Table Schema) казва какво означава и какъв тип е всяка колона.",
                "The Table Schema says what each column means and what type it has."),
               ("Прегледайте и потвърдете схемата при качване.",
                "Review and confirm the schema when you upload.")),
    ]


def _reusability(d: Dataset, publisher: Publisher | None) -> list[Check]:
    return [
        _check("licence", "reusability", 20, bool(d.licence),
               ("Лиценз", "Licence"), ("Без лиценз никой не знае дали може да ползва данните.",
                                       "Without a licence nobody knows whether they may use the data."),
               ("Изберете лиценз.", "Choose a licence.")),
        _check("licence_vocabulary", "reusability", 10, d.licence in LICENCES,
               ("Лиценз от речник", "Licence from a vocabulary"),
               ("Известен лиценз с адрес се разпознава автоматично.",
                "A known licence with a URL is recognised automatically."),
               ("Изберете лиценз от списъка.", "Choose a licence from the list.")),
        _check("access_rights", "reusability", 15, True,
               ("Права на достъп", "Access rights"),
               ("Всички набори в портала са публични (access rights: PUBLIC).",
                "Every dataset on the portal is public (access rights: PUBLIC)."),
               ("—", "—")),
        _check("contact_point", "reusability", 20, bool(d.contact_name or d.contact_email),
               ("Лице за контакт", "Contact point"),
               ("Ползвателите трябва да знаят кого да питат за данните.",
                "Users need to know whom to ask about the data."),
               ("Попълнете лице или служебен адрес за контакт.",
                "Fill in a contact person or a service address.")),
        _check("publisher", "reusability", 10, publisher is not None,
               ("Издател", "Publisher"), ("Издателят отговаря за данните.",
                                          "The publisher is accountable for the data."),
               ("Свържете набора с издател.", "Link the dataset to a publisher.")),
    ]


def _contextuality(d: Dataset, release: Release | None) -> list[Check]:
    return [
        _check("rights", "contextuality", 5, d.licence in LICENCES,
               ("Условия за ползване", "Rights"),
               ("Адресът на лиценза описва условията за ползване.",
                "The licence URL states the terms of use."),
               ("Изберете лиценз от списъка.", "Choose a licence from the list.")),
        _check("byte_size", "contextuality", 5, bool(release and all(f.bytes for f in release.files)),
               ("Размер на файловете", "File size"),
               ("Размерът казва на ползвателя какво ще изтегли.",
                "The size tells users what they are about to download."),
               ("Публикувайте версия на данните.", "Publish a release of the data.")),
        _check("issued", "contextuality", 5, d.created_at is not None,
               ("Дата на публикуване", "Date of issue"),
               ("Датата показва откога съществува наборът.", "The date shows since when the dataset exists."),
               ("Създайте набора в портала: датата се записва сама.",
                "Create the dataset in the portal: the date is recorded by itself.")),
        _check("modified", "contextuality", 5, release is not None,
               ("Дата на промяна", "Modification date"),
               ("Датата на последната версия показва дали данните са актуални.",
                "The date of the latest release shows whether the data is current."),
               ("Публикувайте версия на данните.", "Publish a release of the data.")),
    ]


def assess(dataset: Dataset, release: Release | None, publisher: Publisher | None, *,
           files_present: bool = True) -> Quality:
    """Return the dataset's metadata quality from its metadata and its latest published release."""
    return Quality(tuple(_findability(dataset) + _accessibility(release, files_present)
                         + _interoperability(dataset, release) + _reusability(dataset, publisher)
                         + _contextuality(dataset, release)))


def average(qualities: Sequence[Quality]) -> int | None:
    """Return the average percentage of several datasets (None for none)."""
    return round(sum(q.percent for q in qualities) / len(qualities)) if qualities else None
