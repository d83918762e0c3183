from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: an app's modules may import models only once apps are ready.
        from core.events import account_made_public
        from core.relations import relations_register
        from social.relations import SocialRelations
        from social.services.follows import follow_requests_accept_all

        relations_register(SocialRelations())
        account_made_public.connect(follow_requests_accept_all)
