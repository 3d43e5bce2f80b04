"""Tables of the la area (Django app `store_la`)."""
