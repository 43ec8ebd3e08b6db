"""Encryption at rest for what clients tell us: the keys, and the field type models use.

Values are encrypted with Fernet (AES-128-CBC with an HMAC-SHA256 tag: authenticated, so a
changed byte is refused rather than misread) under the keys in `FIELD_ENCRYPTION_KEYS`, newest
first: writing uses the newest, reading tries each in turn, so a new key can be added before the
rows are re-encrypted (`manage.py rotate_encryption`). Views and services see plain values only.

Fernet is randomised, so equal values encrypt differently: an encrypted column can't be searched,
filtered or ordered by its content, and the field refuses every lookup but `isnull` so that no
query pretends otherwise."""

import functools
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, router, transaction
from django.db.models import Value
from django.db.models.functions import Cast


class UnreadableValue(Exception):
    """A stored value that no key in FIELD_ENCRYPTION_KEYS opens (a missing key, or tampering)."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: clients' answers can be neither stored nor read."
        )
    return keys


def encrypt(text: str) -> str:
    return _fernet(_keys()).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableValue(
            "A stored value opens with none of the keys in FIELD_ENCRYPTION_KEYS."
        ) from None


def is_current(token: str) -> bool:
    """Whether this value is already encrypted with the newest key."""
    try:
        Fernet(_keys()[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same value encrypted with the newest key (its original timestamp kept)."""
    try:
        return _fernet(_keys()).rotate(token.encode()).decode()
    except InvalidToken:
        raise UnreadableValue(
            "A stored value opens with none of the keys in FIELD_ENCRYPTION_KEYS."
        ) from None


class EncryptedSessionSerializer:
    """Sessions hold unsent intake drafts and the link to a client's results: in the database
    they are encrypted like the answers themselves (SESSION_SERIALIZER). A session written under
    a key since removed reads as empty, as a tampered one does."""

    def dumps(self, obj) -> bytes:
        return encrypt(json.dumps(obj, separators=(",", ":"))).encode()

    def loads(self, data: bytes):
        return json.loads(decrypt(data.decode()))


class EncryptedTextField(models.TextField):
    """Text stored encrypted, in a text column whatever its length.

    `max_length`, if given, limits the plain text in forms and makes the form input one line;
    `choices` work as usual. Only `isnull` can be looked up."""

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None:
            return None
        return encrypt(self.encode(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.decode(decrypt(value))

    def encode(self, value) -> str:
        return str(value)

    def decode(self, text: str):
        return text

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None

    def formfield(self, **kwargs):
        if self.max_length and not self.choices:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)


class EncryptedJSONField(EncryptedTextField):
    """JSON (answers, summaries) stored encrypted: a dict or list in Python, text in the column."""

    empty_values = [None]

    def get_prep_value(self, value):
        # TextField's would turn the dict into its repr; the value is JSON-encoded in encode().
        return value

    def to_python(self, value):
        return value

    def encode(self, value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def decode(self, text: str):
        return json.loads(text)

    def value_to_string(self, obj):
        return self.value_from_object(obj)

    def formfield(self, **kwargs):
        return super(EncryptedTextField, self).formfield(
            **{"form_class": forms.JSONField, **kwargs}
        )


def encrypted_field_names(model) -> list[str]:
    return [
        field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)
    ]


def encrypted_models() -> list[tuple[type[models.Model], list[str]]]:
    """Every table with encrypted columns (proxies share their model's table)."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if names := encrypted_field_names(model):
            found.append((model, names))
    return found


def reencrypt_batches(model, field_names: list[str], *, batch_size: int):
    """Re-encrypt with the newest key every value in these columns that isn't under it yet.

    One transaction per batch of rows (locked while they change, so a write from the app in the
    meantime waits rather than being overwritten); yields (rows checked, rows re-encrypted) after
    each. Values already under the newest key are left alone, so a run that stops anywhere
    resumes by running again, and a second run changes nothing."""
    raw = {f"raw_{name}": Cast(name, models.TextField()) for name in field_names}
    last_pk = None
    while True:
        with transaction.atomic(using=router.db_for_write(model)):
            rows = model._base_manager.order_by("pk").select_for_update()
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.annotate(**raw).values_list("pk", *raw)[:batch_size])
            if not batch:
                return
            changed = 0
            for pk, *values in batch:
                updates = {
                    name: Value(rotate(value), output_field=models.TextField())
                    for name, value in zip(field_names, values, strict=True)
                    if value is not None and not is_current(value)
                }
                if updates:
                    model._base_manager.filter(pk=pk).update(**updates)
                    changed += 1
            last_pk = batch[-1][0]
        yield len(batch), changed


def migrate_columns(app_label: str, model_name: str, field_names: list[str], *, forward: bool):
    """A RunPython step that encrypts (forward) or decrypts these columns of every row in place.

    It runs while the migration state declares them plain text fields, so it reads and writes
    exactly what the column holds; JSON columns hold their JSON text, which is also what the
    encrypted JSON field encrypts."""
    change = encrypt if forward else decrypt

    def run(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        rows = model._base_manager.using(schema_editor.connection.alias).order_by("pk")
        batch = []
        for row in rows.only("pk", *field_names).iterator(chunk_size=500):
            for name in field_names:
                value = getattr(row, name)
                if value is not None:
                    setattr(row, name, change(value))
            batch.append(row)
            if len(batch) == 500:
                model._base_manager.bulk_update(batch, field_names)
                batch = []
        if batch:
            model._base_manager.bulk_update(batch, field_names)

    return run
