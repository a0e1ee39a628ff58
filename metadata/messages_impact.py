"""Bilingual texts of the impact evaluation: errors, indicator titles, definitions, status rules."""
from __future__ import annotations

IMPACT_MESSAGES: dict[str, tuple[str, str]] = {
    "impact.unknown-indicator": (
        "Няма показател „{key}“. Възможните са: {known}.",
        "There is no indicator \"{key}\". The known ones are: {known}.",
    ),
    "impact.bad-target": (
        "Целта трябва да е число, например 120 или 85.5 (получено: „{value}“).",
        "The target must be a number, such as 120 or 85.5 (got \"{value}\").",
    ),
    "impact.bad-year": (
        "Годината трябва да е четирицифрено число между 2000 и 2100 (получено: „{value}“).",
        "The year must be a four-digit number between 2000 and 2100 (got \"{value}\").",
    ),
    "impact.bad-month": (
        "Месецът трябва да е във вида ГГГГ-ММ, например 2025-01 (получено: „{value}“).",
        "The month must be written YYYY-MM, such as 2025-01 (got \"{value}\").",
    ),
    "impact.baseline-future": (
        "Базовият период трябва да е приключил: {month} още не е свършил.",
        "The baseline period must be over: {month} has not ended yet.",
    ),
    "impact.baseline-order": (
        "Краят на базовия период ({end}) е преди началото му ({start}).",
        "The baseline period ends ({end}) before it starts ({start}).",
    ),
    "impact.note-too-long": (
        "Бележката е твърде дълга: най-много {limit} знака.",
        "The note is too long: {limit} characters at most.",
    ),
    "impact.unchanged": (
        "Данните за въздействието не са се променили: нова версия не е публикувана.",
        "The impact figures have not changed: no new release was published.",
    ),
}

# key: (title bg, title en, definition bg, definition en, unit bg, unit en)
INDICATOR_TEXTS: dict[str, tuple[str, str, str, str, str, str]] = {
    "requests_filed": (
        "Подадени искания за данни", "Data requests filed",
        "Брой искания за нови данни, подадени през месеца (по дата на подаване). Не се броят "
        "исканията, отхвърлени при модерация (спам, обидно съдържание).",
        "Requests for new data filed in the month (by filing date). Requests rejected in moderation "
        "(spam, abuse) are not counted.",
        "искания", "requests",
    ),
    "requests_answered": (
        "Отговорени искания", "Requests answered",
        "Брой искания, получили първия си отговор през месеца: първото им преминаване в състояние "
        "„отговорено“, „изпълнено“ или „отказано“ (от историята на исканията).",
        "Requests that got their first answer in the month: their first move to answered, fulfilled "
        "or declined (from the requests' history).",
        "искания", "requests",
    ),
    "answer_days_median": (
        "Медиана на дните до отговор", "Median days to an answer",
        "Медианата на дните от подаването до първия отговор на исканията, отговорени през месеца "
        "(дни с точност до десетата). Няма стойност за месец без отговори.",
        "The median of the days from filing to first answer of the requests answered in the month "
        "(days to one decimal). No value for a month without answers.",
        "дни", "days",
    ),
    "answer_days_p90": (
        "90-и перцентил на дните до отговор", "90th percentile of days to an answer",
        "90-ият перцентил (по метода на най-близкия ранг) на дните от подаването до първия отговор "
        "на исканията, отговорени през месеца. Няма стойност за месец без отговори.",
        "The 90th percentile (nearest-rank method) of the days from filing to first answer of the "
        "requests answered in the month. No value for a month without answers.",
        "дни", "days",
    ),
    "on_time_share": (
        "Дял навреме обновени набори", "Share of datasets updated on time",
        "В края на месеца (днес за текущия месец): процентът от наборите с обещана честота, които не "
        "са просрочени — последното им публикувано издание до тогава е по-младо от един период на "
        "честотата им. Наборите без обещана дата (нередовни, неизвестни) не се броят.",
        "At the month's end (now, for the current month): the percentage of datasets with a promised "
        "frequency that were not overdue — their last release published by then was younger than one "
        "period of their frequency. Datasets that promise no date (irregular, unknown) are left out.",
        "%", "%",
    ),
    "quality_average": (
        "Среден резултат за качество на метаданните", "Average metadata-quality score",
        "В края на месеца: средният процент по оценката за качество на метаданните на наборите, "
        "съществуващи тогава, с последното им издание до тогава. Историята на описанията не се пази, "
        "затова се използва настоящото описание на всеки набор.",
        "At the month's end: the average metadata-quality percentage of the datasets that existed "
        "then, with their last release by then. The history of descriptions is not kept, so each "
        "dataset's current description is used.",
        "%", "%",
    ),
    "datasets_published": (
        "Публикувани нови набори", "New datasets published",
        "Брой набори, чието първо издание е публикувано през месеца.",
        "Datasets whose first release was published in the month.",
        "набори", "datasets",
    ),
    "releases_published": (
        "Публикувани издания", "Releases published",
        "Брой издания (версии) на набори, публикувани през месеца, включително по-късно оттеглените.",
        "Releases (versions) of datasets published in the month, including ones withdrawn later.",
        "издания", "releases",
    ),
    "page_views": (
        "Преглеждания на страници на набори", "Dataset page views",
        "Успешни заявки GET за страница на набор през месеца. Не се броят роботите (по User-Agent) "
        "и влезлите в работното място служители.",
        "Successful GET requests of a dataset's page in the month. Robots (by User-Agent) and staff "
        "signed in to the workspace are not counted.",
        "преглеждания", "views",
    ),
    "downloads": (
        "Изтегляния", "Downloads",
        "Успешни заявки GET за файл на издание през месеца. Не се броят роботите и влезлите в "
        "работното място служители.",
        "Successful GET requests of a release's file in the month. Robots and staff signed in to the "
        "workspace are not counted.",
        "изтегляния", "downloads",
    ),
    "api_calls": (
        "Заявки към SQL/API", "SQL/API calls",
        "Отговорени заявки към SQL API (/sql/) за набор през месеца. Роботите не се броят; заявките "
        "на служители се броят (API не знае кой е влязъл).",
        "Answered SQL API (/sql/) calls on a dataset in the month. Robots are not counted; staff "
        "calls are (the API does not know who is signed in).",
        "заявки", "calls",
    ),
    "comments_published": (
        "Публикувани коментари", "Comments published",
        "Брой коментари, одобрени при модерация (и така публикувани) през месеца.",
        "Comments approved in moderation (and so published) in the month.",
        "коментари", "comments",
    ),
    "subscribers_confirmed": (
        "Потвърдени абонати", "Confirmed subscribers",
        "В края на месеца: брой адреси с поне един абонамент, потвърден до тогава и потвърден и днес "
        "(датата на потвърждение на прекратените абонаменти не се пази, затова те не се броят назад "
        "във времето). Месеците преди първия запис за абонамент не са измерени.",
        "At the month's end: addresses with at least one subscription confirmed by then and still "
        "confirmed today (when ended subscriptions were confirmed is not kept, so they are not counted "
        "back in time). Months before the first subscription record are not measured.",
        "абонати", "subscribers",
    ),
}

STATUS_TEXTS: dict[str, tuple[str, str]] = {
    "on_track": ("по план", "on track"),
    "behind": ("изостава", "behind"),
    "no_target": ("без цел", "no target"),
    "not_measured": ("не е измерено", "not measured"),
}

STATUS_RULE = (
    "Базовата стойност е средната месечна стойност за базовия период. Целта е месечната стойност, "
    "която трябва да се достигне през декември на годината. Пътят води по права линия от базовата "
    "стойност (в началото на годината) до целта (в края ѝ). Показателят е „по план“, ако средната "
    "стойност за последните три завършени и измерени месеца е на пътя или по-добре от него (по-висока, или "
    "по-ниска за показатели, при които по-малкото е по-добро), иначе „изостава“.",
    "The baseline is the mean monthly value over the baseline period. The target is the monthly "
    "value to reach in December of the year. The path runs in a straight line from the baseline (at "
    "the start of the year) to the target (at its end). An indicator is \"on track\" when the mean "
    "of its latest three complete, measured months is on the path or better (higher, or lower for indicators "
    "where less is better), else \"behind\".",
)

IMPACT_MESSAGES.update({
    "impact.no-publisher": (
        "Порталът още няма издател, на когото да принадлежи наборът за въздействието.",
        "The portal has no publisher yet to own the impact dataset.",
    ),
    "impact.no-months": (
        "Още няма завършен месец с данни: показателите се публикуват след края на първия месец.",
        "There is no complete month yet: the figures are published after the first month ends.",
    ),
    "impact.published": (
        "Публикувана е версия {version} на {slug}: {rows} реда за {first} – {last}.",
        "Published release {version} of {slug}: {rows} rows for {first} to {last}.",
    ),
})
