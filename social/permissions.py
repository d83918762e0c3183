"""Social app: DRF permission classes.

Follows and blocks need only a signed-in caller (the default `IsAuthenticated`);
who may see whom is decided by the selectors, which answer 404 or 403 themselves.
"""
