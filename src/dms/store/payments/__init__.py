"""Tables of the payments area (Django app `store_payments`)."""
