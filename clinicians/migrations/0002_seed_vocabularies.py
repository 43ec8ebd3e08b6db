"""The practice's starting vocabularies. Staff edit them in admin afterwards."""

from django.db import migrations

VOCABULARIES = {
    "Concern": [
        "anxiety", "depression", "trauma and PTSD", "grief and loss", "relationships", "couples",
        "family conflict", "parenting", "life transitions", "stress and burnout", "self-esteem",
        "ADHD", "OCD", "eating and body image", "substance use", "sleep", "anger",
        "chronic illness and pain", "perinatal and postpartum", "LGBTQ+ identity",
        "racial and cultural identity", "work and career",
    ],
    "Approach": [
        "CBT", "DBT", "ACT", "EMDR", "psychodynamic", "person-centred", "internal family systems",
        "emotionally focused", "solution-focused", "mindfulness-based", "narrative",
        "family systems", "motivational interviewing", "Gottman method",
        "exposure and response prevention", "cognitive processing therapy", "play therapy",
    ],
    "Language": [
        "English", "Spanish", "Mandarin", "Cantonese", "Korean", "Vietnamese", "Tagalog",
        "Arabic", "French", "Haitian Creole", "Russian", "Portuguese", "Hindi",
        "American Sign Language",
    ],
    "Community": [
        "Black", "Latina/o/x", "Asian American", "South Asian", "Middle Eastern and North African",
        "Indigenous", "LGBTQ+", "immigrant", "veteran", "person with a disability",
    ],
    "InsurancePlan": [
        "Aetna", "Blue Cross Blue Shield", "Cigna", "UnitedHealthcare", "Optum", "Oscar",
        "Medicare", "Medicaid",
    ],
    "Credential": ["LCSW", "LPC", "LPCC", "LMFT", "PsyD", "PhD", "MD"],
}  # fmt: skip

OFFICES = [
    ("Downtown", "120 Main Street, Suite 400", "NY"),
    ("Northside", "88 Park Avenue North", "NY"),
]


def seed(apps, schema_editor):
    for model_name, names in VOCABULARIES.items():
        model = apps.get_model("clinicians", model_name)
        for order, name in enumerate(names):
            if not model.objects.filter(name__iexact=name).exists():
                model.objects.create(name=name, sort_order=order)
    office_model = apps.get_model("clinicians", "Office")
    for order, (name, address, state) in enumerate(OFFICES):
        office_model.objects.get_or_create(
            name=name, defaults={"address": address, "state": state, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("clinicians", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
