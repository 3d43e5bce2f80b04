"""Tables of the recovery area (Django app `store_recovery`)."""
