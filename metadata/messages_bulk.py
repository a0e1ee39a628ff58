"""Bilingual messages of bulk work: several files at once, and metadata as a CSV (merged into MESSAGES)."""
from __future__ import annotations

BULK_MESSAGES: dict[str, tuple[str, str]] = {
    # Matching files to datasets
    "bulk.no-match": (
        "„{file}“ не съответства на никой набор от данни: името на файла трябва да е адресът на "
        "набора (напр. „{example}.csv“) или да започва с него и тире.",
        "'{file}' matches no dataset: the file's name must be the dataset's slug (e.g. "
        "'{example}.csv') or start with it and a hyphen.",
    ),
    "bulk.two-matches": (
        "„{file}“ съответства на повече от един набор от данни ({slugs}); изберете един.",
        "'{file}' matches more than one dataset ({slugs}); choose one.",
    ),
    "bulk.other-publisher": (
        "„{file}“ е за набора „{slug}“ на друг издател: нямате право да публикувате в него.",
        "'{file}' is for the dataset '{slug}' of another publisher: you may not publish to it.",
    ),
    "bulk.same-dataset": (
        "„{file}“ е за същия набор „{slug}“ като „{other}“: по един файл на набор в една пратка.",
        "'{file}' is for the same dataset '{slug}' as '{other}': one file per dataset in a batch.",
    ),
    "bulk.not-chosen": (
        "„{file}“ не е публикуван: не е избран набор от данни за него.",
        "'{file}' was not published: no dataset was chosen for it.",
    ),
    "bulk.no-files": ("Изберете поне един файл.", "Choose at least one file."),
    "bulk.too-many-files": (
        "Най-много {limit} файла наведнъж.",
        "At most {limit} files at once.",
    ),
    "bulk.dataset-needs-one-file": (
        "--dataset се отнася само за един файл; при няколко файла всеки се съпоставя по името си.",
        "--dataset applies to one file only; with several files each is matched by its name.",
    ),
    "bulk.not-found": ("Няма такава пратка.", "There is no such batch."),
    "bulk.already-matched": (
        "Файловете от тази пратка вече са съпоставени с набори от данни.",
        "The files of this batch have already been matched to datasets.",
    ),
    "bulk.file-failed": ("„{file}“: {reason}", "'{file}': {reason}"),
    "bulk.some-failed": (
        "{failed} от {total} файла не са публикувани.",
        "{failed} of {total} files were not published.",
    ),
    "bulk.all-done": (
        "Всички {total} файла са обработени успешно.",
        "All {total} files were processed successfully.",
    ),
    # Metadata as a CSV
    "bulk.csv-unknown-columns": (
        "Непознати колони: {columns}. Възможни са: {known}.",
        "Unknown columns: {columns}. Possible: {known}.",
    ),
    "bulk.csv-no-slug": (
        "Липсва колоната „slug“ (адресът на набора от данни), по която се намира всеки ред.",
        "The column 'slug' (the dataset's address), by which each row is found, is missing.",
    ),
    "bulk.csv-unexpected-row": (
        "Ред {row}: редът не е ред с метаданни на набор (заглавен ред или ред „Общо“?).",
        "Row {row}: this is not a row of a dataset's metadata (a title row or a 'Total' row?).",
    ),
    "bulk.csv-row-width": (
        "Ред {row}: {cells} клетки, а заглавният ред има {columns}.",
        "Row {row}: {cells} cells, but the header row has {columns}.",
    ),
    "bulk.csv-blank-slug": ("Ред {row}: колоната „slug“ е празна.", "Row {row}: the column 'slug' is empty."),
    "bulk.csv-unknown-slug": (
        "Ред {row}: няма набор от данни „{slug}“.",
        "Row {row}: there is no dataset '{slug}'.",
    ),
    "bulk.csv-duplicate-slug": (
        "Ред {row}: наборът „{slug}“ вече е на ред {first}.",
        "Row {row}: the dataset '{slug}' is already on row {first}.",
    ),
    "bulk.csv-forbidden-dataset": (
        "Ред {row}: наборът „{slug}“ е на друг издател; нямате право да го редактирате.",
        "Row {row}: the dataset '{slug}' belongs to another publisher; you may not edit it.",
    ),
    "bulk.csv-unknown-licence": (
        "Ред {row}, колона „licence“: „{value}“ не е познат лиценз. Възможни: {choices}.",
        "Row {row}, column 'licence': '{value}' is not a known licence. Choices: {choices}.",
    ),
    "bulk.csv-unknown-frequency": (
        "Ред {row}, колона „frequency“: „{value}“ не е позната честота. Възможни: {choices}.",
        "Row {row}, column 'frequency': '{value}' is not a known frequency. Choices: {choices}.",
    ),
    "bulk.csv-unknown-theme": (
        "Ред {row}, колона „themes“: „{value}“ не е позната тема. Възможни: {choices}.",
        "Row {row}, column 'themes': '{value}' is not a known theme. Choices: {choices}.",
    ),
    "bulk.csv-bad-value": (
        "Ред {row}, колона „{column}“: {reason}",
        "Row {row}, column '{column}': {reason}",
    ),
    "bulk.csv-invalid": (
        "Файлът с метаданни не е приложен: {count} грешки. Поправете ги и го качете отново.",
        "The metadata file was not applied: {count} errors. Fix them and upload it again.",
    ),
    "bulk.edit-not-found": ("Няма такъв преглед на промени.", "There is no such preview of changes."),
    "bulk.edit-not-pending": (
        "Тези промени вече са приложени или отказани; качете файла отново.",
        "These changes have already been applied or refused; upload the file again.",
    ),
    "bulk.changed-since-preview": (
        "Нищо не е променено: след прегледа някой друг е редактирал {slugs}. Изтеглете CSV файла "
        "отново, нанесете промените си и ги прегледайте пак.",
        "Nothing was changed: after the preview someone else edited {slugs}. Download the CSV "
        "again, make your changes and preview them again.",
    ),
}
