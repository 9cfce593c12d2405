"""API keys: random, shown once, stored as SHA-256 (a slow hash adds nothing for 256-bit random keys)."""

import hashlib
import secrets

KEY_PREFIX = "ds_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[: len(KEY_PREFIX) + 6]
