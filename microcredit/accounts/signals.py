"""What the accounts app tells the apps above it (they connect from their ``ready()``)."""

from django.dispatch import Signal

# Entrepreneurs registered at once (``services.EntrepreneursBatch.write``, which creates their rows in bulk,
# so no ``post_save`` is sent for them): ``profile_ids``, inside the transaction that created them.
entrepreneurs_created = Signal()
