"""`{% load phone %}`: a phone number as a `tel:` link target, whatever its punctuation."""

import re

from django import template

register = template.Library()

_EXTENSION = re.compile(r"\s*(?:ext\.?|x|#).*$", re.I)


@register.filter
def tel_uri(number) -> str:
    """`tel:` and the number without spaces, dashes or parentheses: "(555) 010-2000" becomes
    "tel:+15550102000". A ten-digit number is North American (+1); a number written with + keeps
    its country code; short numbers such as 988 stay as they are. An extension is dropped."""
    written = _EXTENSION.sub("", str(number or "")).strip()
    digits = re.sub(r"\D", "", written)
    if not digits:
        return ""
    if written.startswith("+"):
        return f"tel:+{digits}"
    if len(digits) == 10:
        return f"tel:+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"tel:+{digits}"
    return f"tel:{digits}"
