"""Response formats beyond JSON that views may offer by content negotiation
(`Accept:` or `?format=`)."""

import csv
import io

from rest_framework.renderers import BaseRenderer, JSONRenderer

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection,
# OWASP): such text is written with a leading apostrophe, which shows it as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """RFC 4180 CSV (UTF-8, CRLF line ends) of a table the view gives as a list of rows
    (the header first); `None` is an empty cell. An error answer (status 400 and up)
    stays JSON whatever was asked for: its shape is the API's one error shape."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    error_renderer = JSONRenderer  # the schema reads it (core.openapi)

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            json = self.error_renderer()
            response["Content-Type"] = json.media_type
            return json.render(data, json.media_type, renderer_context)
        if data is None:
            return b""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in data:
            writer.writerow(["" if cell is None else _cell(cell) for cell in row])
        return buffer.getvalue().encode(self.charset)


def _cell(value) -> str:
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_STARTS):
        return f"'{text}"
    return text
