"""Access policy of documents (see microcredit/core/permissions.py): each person reaches the documents they
asked for, and only while they may still read what the document is about (checked in the views through
``registry.get_kind(kind).allowed``)."""

from django.db import models

from documents.models import Document
from microcredit.accounts.models import User
from microcredit.core.permissions import Action, policy


@policy(Document)
def document_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    return queryset.filter(requested_by=user)
