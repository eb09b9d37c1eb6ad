"""The reports app keeps no table of its own: the fund sources moved to the funds app (funds.models)."""
