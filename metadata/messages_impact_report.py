"""Bilingual texts of the yearly impact report: its errors and the words of the document.

The report is one document for the command line, the web page and the PDF, so its words live
here as (bg, en) pairs rather than in a Flask-Babel catalog, which the command line has no use for.
"""
from __future__ import annotations

REPORT_MESSAGES: dict[str, tuple[str, str]] = {
    "impact.report-bad-year": (
        "Годината на отчета трябва да е число, например 2026 (получено: „{value}“).",
        "The report's year must be a number, such as 2026 (got \"{value}\").",
    ),
    "impact.report-before-opening": (
        "Няма отчет за {year} г.: порталът е открит през {opened} г.",
        "There is no report for {year}: the portal opened in {opened}.",
    ),
    "impact.report-future": (
        "Няма отчет за {year} г.: годината още не е започнала (сега е {now} г.).",
        "There is no report for {year}: that year has not begun (it is {now} now).",
    ),
    "impact.report-bad-format": (
        "Форматът на отчета трябва да е html, pdf или both (получено: „{value}“).",
        "The report's format must be html, pdf or both (got \"{value}\").",
    ),
    "impact.report-cannot-write": (
        "Отчетът не може да се запише в {path}: {reason}.",
        "The report cannot be written to {path}: {reason}.",
    ),
    "impact.report-written": (
        "Отчетът за {year} г. е записан: {path}",
        "The report for {year} is written: {path}",
    ),
}

# The words of the document: key -> (bg, en). Placeholders are filled with str.format.
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Годишен отчет за въздействието на портала, {year} г.",
              "Yearly impact report of the portal, {year}"),
    "portal": ("Портал за отворени данни „Открито“", "Otkrito, the open data portal"),
    "scope_all": ("Обхват: целият портал.", "Scope: the whole portal."),
    "scope_one": ("Обхват: {name}. Състоянието се изчислява спрямо собствената му база и целите на портала.",
                  "Scope: {name}. Its status uses its own baseline and the portal's targets."),
    "generated": ("Съставен на {at} (UTC) от данните в каталога на портала.",
                  "Drawn up on {at} (UTC) from the portal's catalog."),
    "privacy": ("Отчетът съдържа само бройки и статистики от бройки: в него няма имена, адреси на електронна "
                "поща или мрежови адреси.",
                "The report holds only counts and statistics of counts: no names, e-mail addresses or network "
                "addresses."),
    "contents": ("Съдържание", "Contents"),
    "methodology": ("Методика", "Methodology"),
    "version": ("Версия {num} на методиката ({change}).", "Methodology version {num} ({change})."),
    "version0": ("Методиката още не е задавана: няма базов период и цели.",
                 "No methodology has been set yet: no baseline period and no targets."),
    "baseline_period": ("Базов период: от {start} до {end} включително.",
                        "Baseline period: {start} to {end}, both included."),
    "no_baseline": ("Базов период не е зададен.", "No baseline period has been set."),
    "rule": ("Правило за състоянието", "How the status is decided"),
    "definitions": ("Показатели и определения", "Indicators and their definitions"),
    "targets_caption": ("Показателите, целите им за {year} г. и определенията им",
                        "The indicators, their targets for {year} and their definitions"),
    "dash": ("Тире (—) означава, че показателят не е измерен през месеца; то никога не се показва като 0. "
             "Текущият месец е до момента на съставяне на отчета.",
             "A dash (—) means the indicator was not measured that month; it is never shown as 0. "
             "The current month runs to the moment the report was drawn up."),
    "indicator": ("Показател", "Indicator"),
    "definition": ("Определение", "Definition"),
    "unit": ("Единица", "Unit"),
    "better": ("По-добре е", "Better when"),
    "higher": ("по-високо", "higher"),
    "lower": ("по-ниско", "lower"),
    "summary": ("Обобщение за {year} г.", "Summary for {year}"),
    "summary_caption": ("Състоянието на всеки показател през {year} г.", "Every indicator's status in {year}"),
    "path_now": ("Пътят сега", "Path now"),
    "status": ("Състояние", "Status"),
    "baseline": ("База", "Baseline"),
    "target": ("Цел", "Target"),
    "year_mean": ("Средно за годината", "Mean of the year"),
    "change": ("Промяна спрямо базата", "Change since the baseline"),
    "latest": ("Последен завършен месец", "Latest complete month"),
    "changes": ("Какво се промени спрямо базата", "What changed since the baseline"),
    "changes_note": ("Средната стойност за годината и стойността в последния завършен месец, сравнени с базата "
                     "(средната месечна стойност през базовия период): разлика и процент. Броят се само "
                     "завършените, измерени месеци.",
                     "The year's mean and the latest complete month's value, compared with the baseline (the "
                     "mean monthly value over the baseline period): the difference and the percentage. Only "
                     "complete, measured months count."),
    "changes_caption": ("Промяна на всеки показател спрямо базата през {year} г.",
                        "Each indicator's change since the baseline in {year}"),
    "indicators": ("Показателите месец по месец", "The indicators month by month"),
    "month": ("Месец", "Month"),
    "so_far": ("до момента", "so far"),
    "value": ("Стойност", "Value"),
    "path": ("Път към целта", "Path to the target"),
    "series_caption": ("{title}: месечни стойности през {year} г. ({unit})",
                       "{title}: monthly values in {year} ({unit})"),
    "chart_alt": ("Графика: {title} по месеци през {year} г.; стойностите са в таблицата под нея.",
                  "Chart: {title} by month in {year}; the values are in the table below it."),
    "datasets": ("Публикувани набори от данни през {year} г.", "Datasets published in {year}"),
    "datasets_note": ("Наборите с поне една версия, публикувана през годината (без набора с показателите за "
                      "въздействието). „Нов“ означава, че първата му версия е от тази година.",
                      "The datasets with at least one release in the year (the impact dataset itself left "
                      "out). \"New\" means its first release is from this year."),
    "datasets_caption": ("Наборите от данни с версии през {year} г.", "Datasets with releases in {year}"),
    "dataset": ("Набор от данни", "Dataset"),
    "publisher": ("Издател", "Publisher"),
    "first_release": ("Първа версия", "First release"),
    "releases_year": ("Версии през годината", "Releases in the year"),
    "new": ("нов", "new"),
    "no_datasets": ("През годината не е публикувана версия на набор от данни.",
                    "No dataset release was published in the year."),
    "requests": ("Отговорени искания за данни през {year} г.", "Data requests answered in {year}"),
    "requests_note": ("Публичните искания (одобрени от модератор), на които е отговорено за първи път през "
                      "годината. Имената и адресите на заявителите не се показват.",
                      "The public requests (approved by a moderator) first answered during the year. "
                      "Requesters' names and addresses are not shown."),
    "requests_caption": ("Исканията, отговорени през {year} г.", "Requests answered in {year}"),
    "request": ("Искане", "Request"),
    "filed": ("Подадено", "Filed"),
    "answered": ("Отговорено", "Answered"),
    "days": ("Дни до отговора", "Days to the answer"),
    "outcome": ("Изход", "Outcome"),
    "no_requests": ("През годината не е отговорено на искане.", "No request was answered in the year."),
    "total": ("Общо", "Total"),
    "pdf": ("Отчетът като PDF", "The report as a PDF"),
    "back": ("Показателите на портала", "The portal's indicators"),
    "outcome_answered": ("отговорено", "answered"),
    "outcome_fulfilled": ("изпълнено", "fulfilled"),
    "outcome_declined": ("отказано", "declined"),
}
