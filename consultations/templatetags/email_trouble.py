from django import template

from consultations.selectors import notification_trouble

register = template.Library()


@register.inclusion_tag("admin/consultations/email_trouble.html", takes_context=True)
def email_trouble(context):
    """Failed and long-failing emails, for staff who may see notifications (nothing otherwise)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("consultations.view_notification"):
        return {"trouble": None}
    return {"trouble": notification_trouble()}
