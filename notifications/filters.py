"""Query-string filters of the notification list; a bad value answers 400
`invalid_choice` with the parameter in `attr`."""

import django_filters

from core.filters import FilterSet
from notifications.models import Notification, NotificationType


class NotificationFilter(FilterSet):
    unread = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_unread",
        help_text="`true`: only unread notifications; `false`: only read ones.",
    )
    type = django_filters.ChoiceFilter(
        choices=NotificationType.choices, help_text="Only notifications of this type."
    )

    class Meta:
        model = Notification
        fields = ["unread", "type"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")
