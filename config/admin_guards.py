"""The admin never searches, filters, orders or lists by what clients told us.

Encrypted fields can't be matched by content anyway; refusing every route outright keeps the
admin from becoming an oracle over people's answers (a query-string filter that returns only the
rows whose hidden text contains a word) should a field ever be stored in the clear again.

- `EncryptedFieldsAdmin` answers 400 to a query-string lookup that reaches an encrypted field,
  on the model or through a relation (Django's own check lets any local field through).
- A system check refuses admin configurations that search, filter, order, sort, or show as a
  sortable column an encrypted field, on every registered admin."""

from django.contrib import admin
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP

from .encryption import EncryptedTextField


def reaches_encrypted_field(model, path: str) -> bool:
    """Whether a lookup path (`client_summary__icontains`, `consultation__client_phone`) goes
    through an encrypted field."""
    for part in path.lstrip("-+=^@").split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if isinstance(field, EncryptedTextField):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class EncryptedFieldsAdmin(admin.ModelAdmin):
    def lookup_allowed(self, lookup, value, request=None):
        if reaches_encrypted_field(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


def _ordering_path(model_admin, name) -> str | None:
    if not isinstance(name, str):
        return None
    attribute = getattr(model_admin, name, None) or getattr(model_admin.model, name, None)
    return getattr(attribute, "admin_order_field", None) or name


def _paths(model_admin) -> list[tuple[str, str]]:
    found = [("search_fields", name) for name in model_admin.search_fields or ()]
    for item in model_admin.list_filter or ():
        if isinstance(item, str):
            found.append(("list_filter", item))
        elif isinstance(item, tuple | list) and item:
            found.append(("list_filter", item[0]))
    found += [("ordering", name) for name in model_admin.ordering or () if isinstance(name, str)]
    found += [("date_hierarchy", model_admin.date_hierarchy)] if model_admin.date_hierarchy else []
    for name in model_admin.list_display or ():
        path = _ordering_path(model_admin, name)
        if path:
            found.append(("list_display", path))
    return found


def encrypted_field_errors(site) -> list[checks.Error]:
    errors = []
    for model, model_admin in site._registry.items():
        for option, path in _paths(model_admin):
            if reaches_encrypted_field(model, path):
                errors.append(
                    checks.Error(
                        f"{type(model_admin).__name__}.{option} uses {path!r}, an encrypted "
                        "field: clients' answers can't be searched, filtered or sorted.",
                        hint="Show it through a method without admin_order_field instead.",
                        obj=type(model_admin),
                        id="alliance.E001",
                    )
                )
        if not isinstance(model_admin, EncryptedFieldsAdmin) and any(
            isinstance(field, EncryptedTextField) for field in model._meta.get_fields()
        ):
            errors.append(
                checks.Error(
                    f"{type(model_admin).__name__} must derive from EncryptedFieldsAdmin: "
                    f"{model.__name__} holds encrypted fields.",
                    obj=type(model_admin),
                    id="alliance.E002",
                )
            )
    return errors


@checks.register(checks.Tags.admin)
def check_admin_reads_no_encrypted_field(app_configs=None, **kwargs):
    return encrypted_field_errors(admin.site)
