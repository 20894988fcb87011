from tests.accounts.conftest import account, signed_in  # noqa: F401 (the citizen-account personas)
