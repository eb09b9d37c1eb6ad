"""Signals the loans app sends for the apps above it (they connect in their ``AppConfig.ready()``)."""

from django.dispatch import Signal

# A loan's position changed (``loans.services.ledger``: its disbursement, a payment, a reversal, a schedule
# change), inside the transaction of the change; ``loan`` is the loan. The coaching counters follow it.
position_changed = Signal()
