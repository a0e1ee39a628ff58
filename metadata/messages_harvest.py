"""Bilingual messages of harvesting other catalogs and of withdrawing datasets (merged into MESSAGES)."""
from __future__ import annotations

HARVEST_MESSAGES: dict[str, tuple[str, str]] = {
    # Setting up a harvest source
    "harvest.bad-url": (
        "„{url}“ не е адрес на каталог: нужен е пълен адрес http:// или https://.",
        "'{url}' is not a catalog address: a full http:// or https:// URL is needed.",
    ),
    "harvest.unknown-kind": (
        "Непознат вид източник „{kind}“; възможни са: ckan, dcat.",
        "Unknown kind of source '{kind}'; possible: ckan, dcat.",
    ),
    "harvest.source-exists": (
        "Издателят {publisher} вече събира данни от {url} (източник {id}).",
        "The publisher {publisher} already harvests {url} (source {id}).",
    ),
    "harvest.source-not-found": (
        "Няма източник за събиране с номер {id}. `otkrito harvest list` показва източниците.",
        "There is no harvest source {id}. `otkrito harvest list` shows the sources.",
    ),
    # What a source answers
    "harvest.http-status": (
        "{url} отговори с HTTP {status}: каталогът не дава данните си. Нищо не е променено.",
        "{url} answered HTTP {status}: the catalog refuses its data. Nothing was changed.",
    ),
    "harvest.not-json": (
        "Отговорът на {url} не е JSON: това не е CKAN Action API.",
        "The answer of {url} is not JSON: this is not a CKAN Action API.",
    ),
    "harvest.not-ckan": (
        "Отговорът на {url} е JSON, но не е отговор на CKAN Action API (липсва „success“ или "
        "„result“ не е списък с набори).",
        "The answer of {url} is JSON but not a CKAN Action API answer (no 'success', or "
        "'result' is not a list of datasets).",
    ),
    "harvest.ckan-refused": (
        "CKAN на {url} отказа заявката (success: false): {detail}",
        "The CKAN site at {url} refused the request (success: false): {detail}",
    ),
    "harvest.not-rdf": (
        "{url} не съдържа каталог DCAT в Turtle, RDF/XML или JSON-LD.",
        "{url} holds no DCAT catalog in Turtle, RDF/XML or JSON-LD.",
    ),
    "harvest.remote-context": (
        "Документът JSON-LD от {url} иска външен @context ({context}); външни адреси не се "
        "зареждат. Използвайте Turtle или RDF/XML от същия каталог.",
        "The JSON-LD document of {url} asks for a remote @context ({context}); remote addresses "
        "are not loaded. Use the catalog's Turtle or RDF/XML instead.",
    ),
    "harvest.too-many-pages": (
        "{url}: каталогът има над {limit} страници; събирането спря, без да оттегля набори.",
        "{url}: the catalog has more than {limit} pages; the run stopped without withdrawing datasets.",
    ),
    "harvest.page-loop": (
        "{url}: следващата страница сочи към вече прочетена; събирането спря, без да оттегля набори.",
        "{url}: the next page points to one already read; the run stopped without withdrawing datasets.",
    ),
    # One remote dataset
    "harvest.bad-entry": (
        "Запис в каталога не е описание на набор: {detail}",
        "An entry of the catalog is not a dataset description: {detail}",
    ),
    "harvest.no-identifier": (
        "Набор „{title}“ няма идентификатор в източника и не може да бъде проследен; пропуснат е.",
        "The dataset '{title}' has no identifier at the source and cannot be followed; skipped.",
    ),
    "harvest.no-title": (
        "Набор {id} няма заглавие в източника; пропуснат е (нищо не е създадено).",
        "The dataset {id} has no title at the source; skipped (nothing was created).",
    ),
    "harvest.dataset-failed": (
        "Набор {id}: {detail}",
        "Dataset {id}: {detail}",
    ),
    "harvest.not-ours": (
        "Наборът {slug} е на друг издател; източникът не може да го променя.",
        "The dataset {slug} belongs to another publisher; the source cannot change it.",
    ),
    "harvest.unmapped": (
        "{slug}: {field} „{value}“ от източника няма съответствие в речника ни; {kept}.",
        "{slug}: the source's {field} '{value}' has no match in our vocabulary; {kept}.",
    ),
    "harvest.no-tabular": (
        "{slug}: няма таблица (CSV, XLSX или JSON) за редовно изтегляне; създадени са само метаданните.",
        "{slug}: no table (CSV, XLSX or JSON) to fetch on a schedule; only its metadata was harvested.",
    ),
    "harvest.bad-date": (
        "{slug}: датата „{value}“ от източника не е във вид ГГГГ-ММ-ДД; пропусната е.",
        "{slug}: the source's date '{value}' is not YYYY-MM-DD; left out.",
    ),
    "harvest.removed-at-source": ("премахнат при източника", "removed at source"),
    # The run's report
    "harvest.report": (
        "Източник {id} ({kind}, {url}) → {publisher}: {outcome}. Нови: {created}, обновени: "
        "{updated}, без промяна: {unchanged}, оттеглени: {withdrawn}, върнати: {restored}, "
        "грешки: {failed}.",
        "Source {id} ({kind}, {url}) → {publisher}: {outcome}. Created: {created}, updated: "
        "{updated}, unchanged: {unchanged}, withdrawn: {withdrawn}, restored: {restored}, "
        "errors: {failed}.",
    ),
    "harvest.outcome-complete": ("завършено", "complete"),
    "harvest.outcome-partial": ("частично (наборите, които не бяха прочетени, не са оттеглени)",
                                "partial (datasets not read were not withdrawn)"),
    "harvest.outcome-failed": ("неуспешно", "failed"),
    "harvest.kept-current": ("оставена е текущата стойност", "the current value is kept"),
    "harvest.kept-default": ("зададено е „{value}“ — проверете", "set to '{value}' — please check"),
    "harvest.kept-none": ("не е зададена", "none is set"),
    "harvest.field-licence": ("лицензът", "licence"),
    "harvest.field-frequency": ("честотата на обновяване", "update frequency"),
    "harvest.field-theme": ("темата", "theme"),
    "harvest.source-line": (
        "{id}\t{kind}\t{publisher}\t{url}\tпоследно: {last}",
        "{id}\t{kind}\t{publisher}\t{url}\tlast run: {last}",
    ),
    "harvest.no-sources": ("Няма източници за събиране.", "There are no harvest sources."),
    "harvest.source-added": (
        "Източник {id}: {publisher} ще събира {kind} от {url}. Стартирайте `otkrito harvest run`.",
        "Source {id}: {publisher} will harvest {kind} from {url}. Run `otkrito harvest run`.",
    ),
    "harvest.source-removed": (
        "Източник {id} е премахнат; наборите му остават, без бъдещо събиране.",
        "Source {id} removed; its datasets stay, and are no longer harvested.",
    ),
    # Withdrawing a whole dataset
    "dataset.already-withdrawn": ("Наборът {slug} вече е оттеглен.", "The dataset {slug} is already withdrawn."),
    "dataset.not-withdrawn": ("Наборът {slug} не е оттеглен.", "The dataset {slug} is not withdrawn."),
}
