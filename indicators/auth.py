"""Who may change the store: roles, and the check every write makes in the data layer.

Reading aggregated figures is open to everyone who reaches the dashboard (the *viewer* role).
Changing data, goals check-ins or notes is for named *maintainers*: signed in with the county's
identity provider (OIDC, `st.login`) or with a local account (`indicators.accounts`), or running
the CLI on the server (the OS user, who already holds the store file). The app itself does a few
*system* writes nobody asks for: building the demo store on first start, and recomputing
disclosure decisions when the config changed (stricter suppression must apply before anything
is shown).

Every write function takes a `Principal` and calls `require_writer` before it touches anything,
and `store.write_transaction` checks again, so a viewer's session cannot write even if a page
showed it a button by mistake. This guards the app's own paths; the store file's OS permissions
guard it from other users of the server (see docs/security.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Role = Literal["viewer", "maintainer", "system"]
WRITING_ROLES: frozenset[str] = frozenset({"maintainer", "system"})


@dataclass(frozen=True)
class Principal:
    """Who acts: `name` is what the audit log records ("local:maija", "oidc:maija@…",
    "os:root", "system:first-start"); `role` decides what they may do."""

    name: str
    role: Role

    @property
    def can_write(self) -> bool:
        return self.role in WRITING_ROLES and bool(self.name.strip())


VIEWER = Principal("viewer", "viewer")


class NotAllowedError(PermissionError):
    """A write was attempted by someone whose role does not allow it (nothing was changed)."""

    def __init__(self, principal: object, action: str) -> None:
        self.principal = principal
        self.action = action
        who = principal.name if isinstance(principal, Principal) else type(principal).__name__
        super().__init__(f"{action}: {who} may not change the store (maintainers only)")


def require_writer(principal: object, action: str) -> str:
    """The name to record for a write by `principal`, or `NotAllowedError` when the principal is
    not a maintainer (or the system). Anything that is not a `Principal` is refused too, so a
    bare string cannot pass for a signed-in maintainer."""
    if not isinstance(principal, Principal) or not principal.can_write:
        raise NotAllowedError(principal, action)
    return principal.name


def maintainer(name: str) -> Principal:
    return Principal(name, "maintainer")


def system(reason: str) -> Principal:
    """The app's own writes (first-start demo build, recomputing disclosure after a config
    change): recorded as `system:<reason>`."""
    return Principal(f"system:{reason}", "system")


def operator() -> Principal:
    """The CLI's principal: the OS user running the command on the server."""
    from indicators.settings import local_operator

    return maintainer(local_operator())


def principal_from_claims(claims: Mapping[str, object], maintainer_emails: Iterable[str]
                          ) -> Principal:
    """The principal of a user signed in through OIDC: a maintainer when the identity token's
    e-mail is in the configured list (case-insensitive), else a signed-in viewer.

    An identity provider that says the e-mail is unverified (`email_verified: false`) does not
    get a maintainer: anyone could otherwise register a maintainer's address elsewhere.
    """
    if not claims.get("is_logged_in"):
        return VIEWER
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return VIEWER
    email = email.strip().lower()
    allowed = {str(e).strip().lower() for e in maintainer_emails if str(e).strip()}
    if email in allowed and _verified(claims.get("email_verified", True)):
        return maintainer(f"oidc:{email}")
    return Principal(f"oidc:{email}", "viewer")


def _verified(flag: object) -> bool:
    """`email_verified` as providers send it: a boolean, or (some) the string "false"."""
    if isinstance(flag, str):
        return flag.strip().lower() != "false"
    return flag is not False
