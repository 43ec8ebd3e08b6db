"""No admin can be set up to search, filter, sort or list by an encrypted field: a system check
refuses it (config/admin_guards.py); the real admin passes."""

from django.contrib import admin

from clinicians.models import Clinician
from config.admin_guards import (
    EncryptedFieldsAdmin,
    check_admin_reads_no_encrypted_field,
    encrypted_field_errors,
    reaches_encrypted_field,
)
from consultations.models import Consultation, Notification
from matching.models import Intake


def errors_for(model, admin_class) -> list[str]:
    site = admin.AdminSite(name="guards")
    site.register(model, admin_class)
    return [error.msg for error in encrypted_field_errors(site)]


def test_the_projects_admin_reads_no_encrypted_field():
    assert check_admin_reads_no_encrypted_field() == []


def test_it_finds_encrypted_fields_on_the_model_and_through_relations():
    assert reaches_encrypted_field(Consultation, "client_summary__icontains")
    assert reaches_encrypted_field(Consultation, "-client_phone")
    assert reaches_encrypted_field(Notification, "consultation__client_summary")
    assert reaches_encrypted_field(Intake, "=answers")
    assert not reaches_encrypted_field(Consultation, "client_email__icontains")
    assert not reaches_encrypted_field(Notification, "consultation__clinician__last_name")


def test_it_refuses_search_filter_ordering_and_sortable_columns_on_answers():
    class Leaky(EncryptedFieldsAdmin):
        search_fields = ("client_first_name", "client_summary")
        list_filter = ("status", "client_phone")
        ordering = ("-decline_message",)
        list_display = ("starts_at", "client_phone", "summary")

        @admin.display(ordering="client_summary")
        def summary(self, obj):
            return ""

    errors = errors_for(Consultation, Leaky)

    assert any("search_fields uses 'client_summary'" in error for error in errors)
    assert any("list_filter uses 'client_phone'" in error for error in errors)
    assert any("ordering uses '-decline_message'" in error for error in errors)
    assert any("list_display uses 'client_phone'" in error for error in errors)
    assert any("list_display uses 'client_summary'" in error for error in errors)
    assert len(errors) == 5


def test_it_refuses_a_related_admin_filtering_through_to_answers():
    class ThroughRelation(admin.ModelAdmin):
        list_filter = ("consultations__client_phone",)

    assert errors_for(Clinician, ThroughRelation) == [
        "ThroughRelation.list_filter uses 'consultations__client_phone', an encrypted field: "
        "clients' answers can't be searched, filtered or sorted."
    ]


def test_an_admin_of_a_model_with_answers_must_use_the_guarded_base():
    class Plain(admin.ModelAdmin):
        list_display = ("__str__",)

    assert errors_for(Intake, Plain) == [
        "Plain must derive from EncryptedFieldsAdmin: Intake holds encrypted fields."
    ]
