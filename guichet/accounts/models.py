from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Every person who logs in: agents now, citizen accounts later (one table, roles elsewhere)."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
