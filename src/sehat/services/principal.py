"""Who is asking: the roles of DESIGN §1 and the scope each token carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sehat.errors import PermissionDeniedError


class Role(StrEnum):
    """The six roles of DESIGN §1 (anyone without a token is the public)."""

    OPERATOR = "operator"
    DOMAIN_ADMIN = "domain_admin"
    REGISTRAR = "registrar"
    HOLDER = "holder"
    VERIFIER = "verifier"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: role, and the institution, domain or person it is scoped to."""

    role: Role
    account_id: str
    name: str = ""
    institution: str | None = None  # registrar: 5-digit institution code
    domain: int | None = None  # domain admin: domain digit
    national_id: str | None = None  # holder: the person (national or "F"+foreign ID)

    def may_read_institution(self, institution: str) -> bool:
        """Operator and auditor read everything; a domain admin its domain; a registrar its own."""
        if self.role in (Role.OPERATOR, Role.AUDITOR):
            return True
        if self.role is Role.DOMAIN_ADMIN:
            return self.domain is not None and institution[:1] == str(self.domain)
        if self.role is Role.REGISTRAR:
            return self.institution == institution
        return False

    def may_manage_institution(self, institution: str) -> bool:
        """Write access to an institution's documents: never the auditor (read-only)."""
        return self.role is not Role.AUDITOR and self.may_read_institution(institution)

    def require(self, allowed: bool, what_en: str, what_fa: str) -> None:
        """Raise PermissionDeniedError unless ``allowed``."""
        if not allowed:
            raise PermissionDeniedError(
                f"the {self.role.value} role may not {what_en}"
                + (f" (token scoped to institution {self.institution})" if self.institution else "")
                + (f" (token scoped to domain {self.domain})" if self.domain else ""),
                f"نقش {self.role.value} اجازه {what_fa} ندارد",
            )

    def require_role(
        self, *roles: Role, what_en: str = "do this", what_fa: str = "این کار را"
    ) -> None:
        """Raise PermissionDeniedError unless the caller has one of ``roles``."""
        self.require(self.role in roles, what_en, what_fa)
