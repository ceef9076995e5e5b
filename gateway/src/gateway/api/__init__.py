"""HTTP routers: they translate between HTTP and the domain, nothing more."""
