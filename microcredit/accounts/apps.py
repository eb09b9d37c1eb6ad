from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "microcredit.accounts"
    label = "accounts"
    verbose_name = _("People")

    def ready(self) -> None:
        from microcredit.accounts import personal_data, retention

        personal_data.register_sources()
        retention.register()
