"""Password hashes: Argon2id from argon2-cffi, slow and salted; never a password in a cookie or log."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # the library's current recommended parameters (RFC 9106 low-memory)

# Verified when an account does not exist, so an unknown name costs the same time as a wrong
# password and the answer does not tell which accounts exist. A constant made with the hasher's
# parameters (hashing at import would cost a Lambda cold start some 200 ms); a test checks that the
# parameters still match the library's current ones.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$IYjyVYQYv5bk2AEj0Kxl1Q$NWkFXClMNrbzROa2IVWoG74/Ef4Ecl3ZO2AeaFoZ8BQ"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        # No hash (an unknown name, or an SSO account, whose hash is ""): the dummy's work, and False.
        return _hasher.verify(password_hash or DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
