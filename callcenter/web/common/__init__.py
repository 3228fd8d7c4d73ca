"""What every audience of the web layer shares: the acting user and tenant, the unit of
work, errors, parameters and pagination, file responses, serializers, headers."""
