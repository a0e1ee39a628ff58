"""Bilingual messages of citizen participation (merged into metadata.messages.MESSAGES on import)."""
from __future__ import annotations

from metadata.messages import MESSAGES

PARTICIPATION_MESSAGES: dict[str, tuple[str, str]] = {
    "feedback.too-long": (
        "Полето „{field}“ е твърде дълго: най-много {limit} знака.",
        "The field '{field}' is too long: at most {limit} characters.",
    ),
    "feedback.too-short": (
        "Полето „{field}“ е твърде кратко: поне {limit} знака.",
        "The field '{field}' is too short: at least {limit} characters.",
    ),
    "feedback.no-consent": (
        "Моля, потвърдете, че сте съгласни текстът ви да бъде публикуван.",
        "Please confirm that you agree to your text being published.",
    ),
    "feedback.bad-email": (
        "Адресът на електронна поща не е валиден.", "The e-mail address is not valid.",
    ),
    "feedback.rate-limited": (
        "Изпратихте твърде много съобщения. Опитайте отново след {minutes} минути.",
        "You have sent too many messages. Please try again in {minutes} minutes.",
    ),
    "feedback.not-found": ("Няма такова съобщение или искане.", "There is no such message or request."),
    "feedback.bad-transition": (
        "Искането не може да премине от „{old}“ в „{new}“.",
        "The request cannot go from '{old}' to '{new}'.",
    ),
    "feedback.not-approved": (
        "Първо одобрете съобщението, после му отговорете.",
        "Approve the message first, then answer it.",
    ),
    "feedback.needs-answer": ("Напишете отговор.", "Write an answer."),
    "feedback.needs-reason": ("Посочете причина за отказа.", "Give a reason for declining."),
    "feedback.needs-dataset": (
        "Посочете публикуван набор от данни, който изпълнява искането.",
        "Name a published dataset that fulfils the request.",
    ),
    "diff.no-database": (
        "Версия {version} на „{slug}“ няма база данни за сравнение.",
        "Release {version} of '{slug}' has no database to compare.",
    ),
    "diff.bad-versions": (
        "Изберете две различни публикувани версии за сравнение.",
        "Choose two different published releases to compare.",
    ),
    "rules.empty": (
        "Правилата не може да са празни на нито един от двата езика.",
        "The rules cannot be empty in either language.",
    ),
    "participation.site-admin-only": (
        "Само администратор на портала може да прави това.", "Only a site administrator can do this.",
    ),
}

MESSAGES.update(PARTICIPATION_MESSAGES)
