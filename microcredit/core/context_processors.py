from django.utils.functional import SimpleLazyObject

from microcredit.core.models import OrganizationSettings


def organization(request):
    """The organization's settings, read at most once per request and only if a template uses them."""
    return {"organization": SimpleLazyObject(OrganizationSettings.load)}
