from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Arbsite's user; its own model from the first migration so it can grow without pain."""
