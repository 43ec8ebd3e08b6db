"""Spanish as written in the United States: Django's Spanish formats, with the decimal point
and thousands comma US readers (and Mexican Spanish) use, so $1,200.50 reads the same in both
languages."""

from django.conf.locale.es.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
