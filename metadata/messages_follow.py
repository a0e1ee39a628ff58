"""Bilingual messages of e-mail subscriptions and their delivery (merged into MESSAGES)."""
from __future__ import annotations

FOLLOW_MESSAGES: dict[str, tuple[str, str]] = {
    "follow.bad-email": (
        "Въведете валиден адрес на електронна поща, например ime@primer.bg (само латински букви, "
        "без интервали).",
        "Enter a valid e-mail address, for example name@example.org (Latin letters only, no spaces).",
    ),
    "follow.bad-frequency": (
        "Изберете кога да получавате писма: веднага, веднъж дневно или веднъж седмично.",
        "Choose when to get messages: immediately, once a day or once a week.",
    ),
    "follow.bad-lang": ("Изберете език на писмата: български или английски.",
                        "Choose the language of the messages: Bulgarian or English."),
    "follow.bad-target": ("Няма какво да се следи на този адрес: проверете връзката.",
                          "There is nothing to follow at this address: check the link."),
    "follow.consent-required": (
        "Отбележете, че сте съгласни адресът ви да се пази за изпращането на тези писма.",
        "Tick the box to agree that your address is kept to send these messages.",
    ),
    "follow.rate-limited": (
        "Твърде много заявки за абонамент. Опитайте отново след около {minutes} минути.",
        "Too many subscription requests. Try again in about {minutes} minutes.",
    ),
    "follow.token-expired": (
        "Връзката е изтекла. Абонирайте се отново, за да получите нова.",
        "The link has expired. Subscribe again to get a new one.",
    ),
    "follow.token-invalid": (
        "Връзката не е валидна или вече не важи. Проверете, че сте я копирали цялата.",
        "The link is not valid or no longer works. Check that you copied all of it.",
    ),
    "follow.smtp-url": (
        "OTKRITO_SMTP_URL трябва да започва със smtp:// или smtps:// и да има име на сървър; "
        "получено: „{url}“.",
        "OTKRITO_SMTP_URL must start with smtp:// or smtps:// and name a host; got '{url}'.",
    ),
    "follow.mail-from": (
        "OTKRITO_MAIL_FROM трябва да е адрес на електронна поща, когато е зададен OTKRITO_SMTP_URL.",
        "OTKRITO_MAIL_FROM must be an e-mail address when OTKRITO_SMTP_URL is set.",
    ),
    "follow.no-smtp": (
        "Не е зададен OTKRITO_SMTP_URL: писмата остават в изходящата опашка, докато бъде зададен.",
        "OTKRITO_SMTP_URL is not set: messages stay in the outbox until it is.",
    ),
    "follow.notify-done": (
        "Подготвени писма: {queued}; изпратени: {sent}; за повторен опит: {retry}; неуспешни: {failed}.",
        "Messages prepared: {queued}; sent: {sent}; to retry: {retry}; failed: {failed}.",
    ),
    "follow.notify-hooks": (
        "Уебхукове: доставени {delivered}; за повторен опит {retry}; неуспешни {failed}.",
        "Webhooks: delivered {delivered}; to retry {retry}; failed {failed}.",
    ),
    # The text of the messages subscribers get
    "mail.what.dataset": ("набора от данни „{title}“", "the dataset “{title}”"),
    "mail.what.publisher": ("наборите от данни на {title}", "the datasets of {title}"),
    "mail.what.theme": ("наборите от данни по темата „{title}“", "datasets on the theme “{title}”"),
    "mail.what.keyword": ("наборите от данни с ключова дума „{title}“", "datasets with the keyword “{title}”"),
    "mail.what.overdue": ("наборите от данни, чието обновяване закъснее",
                          "datasets whose update becomes overdue"),
    "mail.frequency.immediate": ("веднага", "immediately"),
    "mail.frequency.daily": ("веднъж дневно", "once a day"),
    "mail.frequency.weekly": ("веднъж седмично", "once a week"),
    "mail.confirm.subject": ("Потвърдете абонамента: {what}", "Confirm your subscription: {what}"),
    "mail.confirm.intro": (
        "Някой, вероятно вие, поиска писма от {site} за {what}, {frequency}, на български. "
        "Нищо няма да ви изпратим, докато не потвърдите. Ако не сте били вие, не правете нищо: "
        "адресът ви ще бъде изтрит след 30 дни.",
        "Someone, probably you, asked {site} for messages about {what}, {frequency}, in English. "
        "We send nothing until you confirm. If it was not you, do nothing: your address will be "
        "deleted after 30 days.",
    ),
    "mail.confirm.action": ("Потвърждавам абонамента", "Confirm the subscription"),
    "mail.release.subject": ("{title}: версия {version}", "{title}: version {version}"),
    "mail.release.headline": ("Публикувана е версия {version}.", "Version {version} has been published."),
    "mail.release.first": ("Това е първата версия: {rows} реда.", "This is the first version: {rows} rows."),
    "mail.release.rows": ("Редове: {old} → {new}", "Rows: {old} → {new}"),
    "mail.release.added": ("Добавени редове: {count}", "Rows added: {count}"),
    "mail.release.removed": ("Премахнати редове: {count}", "Rows removed: {count}"),
    "mail.release.changed": ("Променени редове: {count}", "Rows changed: {count}"),
    "mail.release.columns-added": ("Добавени колони: {names}", "Columns added: {names}"),
    "mail.release.columns-removed": ("Премахнати колони: {names}", "Columns removed: {names}"),
    "mail.release.no-diff": ("Сравнение с предишната версия не е налично.",
                             "No comparison with the previous version is available."),
    "mail.release.values": ("Първите променени стойности", "The first changed values"),
    "mail.value.key": ("Ред", "Row"),
    "mail.value.column": ("Колона", "Column"),
    "mail.value.old": ("Преди", "Before"),
    "mail.value.new": ("След", "After"),
    "mail.link.compare": ("Сравнение с версия {old}", "Comparison with version {old}"),
    "mail.link.release": ("Версия {version} и нейните файлове", "Version {version} and its files"),
    "mail.link.download": ("Изтегляне: {name}", "Download: {name}"),
    "mail.link.dataset": ("Страницата на набора", "The dataset's page"),
    "mail.link.timeliness": ("Кои набори закъсняват", "Which datasets are overdue"),
    "mail.withdrawal.subject": ("{title}: версия {version} е оттеглена", "{title}: version {version} withdrawn"),
    "mail.withdrawal.headline": ("Версия {version} е оттеглена. Причина: {reason}",
                                 "Version {version} has been withdrawn. Reason: {reason}"),
    "mail.overdue.subject": ("{title}: обновяването закъснява", "{title}: update overdue"),
    "mail.overdue.headline": (
        "Наборът трябваше да бъде обновен до {due} (обещана честота: {frequency}), но нова версия "
        "не е публикувана.",
        "The dataset was due for an update by {due} (promised frequency: {frequency}), and no "
        "new version has been published.",
    ),
    "mail.digest.subject": ("{site}: новини за {count} набора от данни", "{site}: news on {count} datasets"),
    "mail.digest.subject-one": ("{site}: новини за един набор от данни", "{site}: news on one dataset"),
    "mail.digest.intro.daily": ("Новините от последния ден за наборите, които следите.",
                                "The news of the last day on the datasets you follow."),
    "mail.digest.intro.weekly": ("Новините от последната седмица за наборите, които следите.",
                                 "The news of the last week on the datasets you follow."),
    "mail.news.intro": ("Новина за набор от данни, който следите.", "News on a dataset you follow."),
    "mail.footer.why": (
        "Получавате това писмо, защото сте се абонирали в {site}. Адресът ви не се показва и не "
        "се дава на никого.",
        "You get this message because you subscribed at {site}. Your address is never shown or "
        "given to anyone.",
    ),
    "mail.footer.manage": ("Всички абонаменти на този адрес", "All subscriptions of this address"),
    "mail.footer.unsubscribe": ("Отписване с едно щракване", "Unsubscribe in one click"),
    # Reminders to staff
    "mail.reminder.intro": ("Напомняне от портала за отворени данни", "A reminder from the open data portal"),
    "mail.reminder.subject.before": ("Напомняне: „{title}“ скоро трябва да бъде обновен",
                                     "Reminder: “{title}” is due for an update soon"),
    "mail.reminder.subject.overdue": ("Просрочено: „{title}“ не е обновен навреме",
                                      "Overdue: “{title}” was not updated in time"),
    "mail.reminder.before": ("Наборът „{title}“ трябва да бъде обновен до {due}.",
                             "The dataset “{title}” is due for an update by {due}."),
    "mail.reminder.overdue": ("Обновяването на „{title}“ закъснява: срокът беше {due}.",
                              "The update of “{title}” is overdue: it was due by {due}."),
    "mail.reminder.upload": ("Качете новата версия", "Upload the new version"),
    # Webhooks
    "webhook.bad-events": ("Изберете поне едно събитие от: {events}.", "Choose at least one event of: {events}."),
    "webhook.not-found": ("Няма такъв уебхук или доставка.", "There is no such webhook or delivery."),
    "webhook.https-only": ("Адресът на уебхука трябва да започва с https://.",
                           "The webhook's URL must start with https://."),
    "webhook.bad-url": ("Адресът на уебхука не може да се използва: {detail}",
                        "The webhook's URL cannot be used: {detail}"),
    "webhook.wrong-dataset": ("Наборът „{slug}“ не е на тази институция.",
                              "The dataset '{slug}' does not belong to this publisher."),
}
