"""Cross-origin reads of what video players fetch from other sites: VAST documents and
the tracking pixels.

Players run on any site, so these answers are readable by any origin. Google's IMA SDK
fetches VAST with credentials (`withCredentials`), which a browser refuses to read
under `Access-Control-Allow-Origin: *`: a request that names its `Origin` gets that
origin back with `Access-Control-Allow-Credentials: true` (IMA's documented
requirement), one without gets `*`. This is safe because the API reads no cookie: the
caller is known only from an `Authorization` header, which a page on another origin
cannot make a browser send on its own, so a credentialed read shows nothing more than
an anonymous one.

django-cors-headers keeps serving the rest of the API to `CORS_ALLOWED_ORIGINS` only;
for an allowed origin it sets the same `Access-Control-Allow-Origin` itself. (A
preflighted request, one with custom headers such as `X-Ad-Viewer-Id`, is answered by
django-cors-headers and so only for `CORS_ALLOWED_ORIGINS`; players send simple GETs.)
"""

from django.utils.cache import patch_vary_headers


def ads_cors_allow_any_origin(*, request, response):
    """Let any origin read `response` (see the module docstring); returns it."""
    origin = request.headers.get("Origin")
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
    else:
        response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Origin"])
    return response
