"""HTTP routers: they translate between HTTP and the domain, nothing more."""

# The API version prefix, set once. Routers carry it themselves so route templates in metrics
# and logs show the full path.
API_PREFIX = "/v1"
