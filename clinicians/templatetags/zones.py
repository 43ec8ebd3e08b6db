"""`{{ zone|zone_label }}`: a time zone as people read it, "Eastern Time (New York)"."""

from django import template

from clinicians import zones

register = template.Library()


@register.filter
def zone_label(zone) -> str:
    return zones.zone_label(zone)
