"""One module per kind of transport; each exposes ``send(notification, rendered) -> provider id``."""
