from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.relations import relations_register
        from social.relations import SocialRelations

        relations_register(SocialRelations())
