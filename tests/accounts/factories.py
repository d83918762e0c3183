"""Factories for accounts: users made the way the model wants them."""

import factory

from accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    username = factory.Sequence(lambda n: f"person{n}")
    display_name = factory.Faker("name")
    status = User.Status.ACTIVE
    email_verified = True
    role = User.Role.USER

    @factory.post_generation
    def password(user: User, create: bool, extracted: str | None, **kwargs) -> None:
        user.set_password(extracted or PASSWORD)
        if create:
            user.save(update_fields=["password"])


class ModeratorFactory(UserFactory):
    role = User.Role.MODERATOR


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True
