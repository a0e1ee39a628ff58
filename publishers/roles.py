"""Who may do what: site admins everything; publisher admins and editors for their publisher."""
from __future__ import annotations

from dataclasses import dataclass, field

from metadata.errors import Forbidden
from publishers.users import User

# action -> the publisher roles allowed to take it (site admins may take every action)
ACTIONS: dict[str, frozenset[str]] = {
    "workspace.view": frozenset({"admin", "editor"}),
    "dataset.create": frozenset({"admin", "editor"}),
    "dataset.edit": frozenset({"admin", "editor"}),
    "release.publish": frozenset({"admin", "editor"}),
    "release.withdraw": frozenset({"admin", "editor"}),
    "token.manage": frozenset({"admin"}),
    "webhook.manage": frozenset({"admin", "editor"}),
    "member.manage": frozenset({"admin"}),
    "egov.view": frozenset({"admin", "editor"}),  # the data.egov.bg registration page
    "egov.manage": frozenset({"admin"}),  # its API key
    "publisher.create": frozenset(),
    "audit.view": frozenset(),
}


@dataclass(frozen=True)
class Access:
    """A user and their role at each publisher (publisher id -> "admin" | "editor")."""

    user: User
    roles: dict[int, str] = field(default_factory=dict, hash=False)

    def can(self, action: str, publisher_id: int | None = None) -> bool:
        """Tell whether the user may take `action` for `publisher_id`."""
        if not self.user.active:
            return False
        if self.user.site_admin:
            return True
        allowed = ACTIONS[action]
        return publisher_id is not None and self.roles.get(publisher_id) in allowed

    def require(self, action: str, publisher_id: int | None = None) -> None:
        """Raise Forbidden unless the user may take `action` for `publisher_id`."""
        if not self.can(action, publisher_id):
            raise Forbidden("staff.forbidden")

    def publisher_ids(self) -> set[int] | None:
        """Return the publishers the user works for (None: all of them, a site admin)."""
        return None if self.user.site_admin else set(self.roles)
