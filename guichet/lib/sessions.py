"""Sessions: a visitor's (nobody signed in) lives in the shared cache only; a signed-in person's in the database too.

Most sessions are visitors' on the portal: a form opened (its submitter id), requests granted after sending.
Writing each to the database cost statements on every submission and left a row per visitor; the shared
cache (Redis in production, required there) holds them for their lifetime. Signed-in sessions (agents,
citizens' accounts) stay in the database as with ``cached_db``: a restart of the cache signs nobody out, and
deleting the row (sign-out) still ends the session everywhere.
"""

from typing import Any

from django.contrib.auth import SESSION_KEY as SIGNED_IN
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.utils.crypto import get_random_string

# Set in a signed-in session's data once its row exists: later writes only update that row, so a session
# deleted meanwhile (signed out elsewhere) is never written back.
IN_DATABASE = "_guichet_in_database"


class SessionStore(cached_db.SessionStore):
    def _get_new_session_key(self) -> str:
        # 32 characters of 36 are 165 random bits: no look-up in the cache and the database first (a statement
        # on every new visitor's first answer). Saving a new session still refuses a taken key: the cache's
        # add() for a visitor's, the row's primary key for a signed-in one's, and create() draws again.
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        # Django's own stores read these private members too; the stubs do not declare them.
        data: dict[str, Any] = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        if SIGNED_IN not in data:
            self._save_in_cache(data, must_create=must_create)
        elif data.get(IN_DATABASE) or must_create:
            data[IN_DATABASE] = True
            super().save(must_create)
        else:
            # A visitor's session has just signed in (or a row written before this store): its first row.
            data[IN_DATABASE] = True
            try:
                super().save(must_create=False)
            except UpdateError:
                super().save(must_create=True)

    def _save_in_cache(self, data: dict[str, Any], *, must_create: bool) -> None:
        cache = self._cache  # type: ignore[attr-defined]
        if must_create:
            if not cache.add(self.cache_key, data, self.get_expiry_age()):
                raise CreateError
        else:
            cache.set(self.cache_key, data, self.get_expiry_age())
