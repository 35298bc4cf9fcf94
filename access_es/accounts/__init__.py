"""Accounts: who may log in, with which role, and the rules for names, roles and passwords.
Where they are kept is access_es/stores/."""
from __future__ import annotations

import re
from dataclasses import dataclass

# admin may send anything; readonly only reads (access.py's rule).
ROLES = ("admin", "readonly")

# Letters, digits and . _ @ - : no ':' (Basic auth splits on the first one), no spaces or controls.
NAME_PATTERN = re.compile(r"[A-Za-z0-9._@-]{1,64}")
MIN_PASSWORD_LENGTH = 8
# An IAM role's ARN as IAM makes them: a partition AWS has, a 12-digit account, an optional path of
# non-empty segments, a name of 1-64 of [A-Za-z0-9+=,.@_-] (arn:aws:iam::111122223333:role/path/name).
IAM_ROLE_ARN = re.compile(
    r"arn:(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::[0-9]{12}:role/"
    r"(?:[A-Za-z0-9+=,.@_-]+/){0,16}[A-Za-z0-9+=,.@_-]{1,64}", re.ASCII)


class AccountError(ValueError):
    """A bad account name, role or password, or a store problem; the message says which."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str
    iam_role: str | None = None   # the ARN this account's requests are signed as, over the role mapping
    sso: bool = False             # made by a single sign-on login (auth/oidc.py): no password, ever
    sso_subject: str | None = None  # who at the provider it belongs to ("ISSUER SUB"): nobody else logs in as it

    @property
    def readonly(self) -> bool:
        return self.role != "admin"


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name or ""):
        raise AccountError(
            f"invalid account name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"invalid role {role!r}: use one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if any(c in password for c in "\r\n\x00"):
        raise AccountError("the password may not contain line breaks or NUL characters")
    from .keys import KEY_PREFIX

    if password.startswith(KEY_PREFIX):
        raise AccountError(f"the password may not start with {KEY_PREFIX!r}: that is how API keys start")
    return password


def check_iam_role(arn: str) -> str:
    if not IAM_ROLE_ARN.fullmatch(arn or ""):
        raise AccountError(f"invalid IAM role ARN {arn!r}: use arn:aws:iam::ACCOUNT_ID:role/NAME")
    return arn
