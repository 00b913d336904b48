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


def principal_from_claims(claims: Mapping[str, object], maintainer_emails: Iterable[str],
                          maintainer_subjects: Iterable[str] = (), *,
                          trust_unverified_email: bool = False) -> Principal:
    """The principal of a user signed in through OIDC: a maintainer when the identity token's
    subject (`sub`) is listed, or its e-mail is listed (case-insensitive) *and verified*; else a
    signed-in viewer.

    An e-mail counts only with `email_verified: true`: otherwise anyone who can put a
    maintainer's address on an account at the provider (a guest account, another tenant) would
    become a maintainer. Providers that never send the claim (Microsoft Entra ID) need either the
    subjects listed, or `trust_unverified_email` set knowingly for a single-tenant provider.
    """
    if not claims.get("is_logged_in"):
        return VIEWER
    email = claims.get("email")
    subject = claims.get("sub")
    email = email.strip().lower() if isinstance(email, str) and "@" in email else None
    shown = email or (f"sub:{subject}" if isinstance(subject, str) and subject else None)
    if shown is None:
        return VIEWER
    subjects = {str(s).strip() for s in maintainer_subjects if str(s).strip()}
    emails = {str(e).strip().lower() for e in maintainer_emails if str(e).strip()}
    if isinstance(subject, str) and subject.strip() in subjects:
        return maintainer(f"oidc:{shown}")
    verified = trust_unverified_email or _verified(claims.get("email_verified"))
    if email is not None and email in emails and verified:
        return maintainer(f"oidc:{email}")
    return Principal(f"oidc:{shown}", "viewer")


def _verified(flag: object) -> bool:
    """`email_verified` as providers send it: the boolean true, or (some) the string "true"."""
    if isinstance(flag, str):
        return flag.strip().lower() == "true"
    return flag is True


def actor_kind(name: str) -> str:
    """What kind of actor an audit name is, for showing it to viewers without the person's name:
    'system' for the app's own writes, 'maintainer' for everyone else."""
    return "system" if name.startswith("system:") else "maintainer"
