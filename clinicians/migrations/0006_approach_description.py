"""Approaches get a plain-words line for clients; the practice's starting approaches (and so the
demo practice's) get theirs here. Only blank descriptions are filled, so what staff wrote stays."""

from django.db import migrations, models

DESCRIPTIONS = {
    "CBT": "Noticing the thoughts and habits that keep you stuck, and practising new ones.",
    "DBT": "Skills for strong emotions, urges and relationships, learned step by step.",
    "ACT": "Making room for hard feelings while you do what matters to you.",
    "EMDR": "Processing painful memories with guided eye movements, so they hurt less.",
    "psychodynamic": "Exploring how your past and patterns you may not notice shape today.",
    "person-centred": "A warm, accepting space where you lead and the therapist follows.",
    "internal family systems": (
        "Getting to know the different “parts” of you and how they try to help."
    ),
    "emotionally focused": "Understanding the feelings under conflict, to feel closer again.",
    "solution-focused": "Short and practical: building on what already works for you.",
    "mindfulness-based": "Learning to notice the present moment with less judgement.",
    "narrative": "Telling your story in a new way, with you as its author.",
    "family systems": "Looking at how the whole family works together, not just one person.",
    "motivational interviewing": "Finding your own reasons to change, without pressure.",
    "Gottman method": "Research-based exercises couples use to handle conflict and build trust.",
    "exposure and response prevention": (
        "Facing fears gradually, without the rituals, until they lose their grip."
    ),
    "cognitive processing therapy": (
        "Working through a trauma by questioning the beliefs it left behind."
    ),
    "play therapy": "Children work through feelings in play, the way they naturally express them.",
}


def describe(apps, schema_editor):
    approach = apps.get_model("clinicians", "Approach")
    for name, description in DESCRIPTIONS.items():
        approach.objects.filter(name__iexact=name, description="").update(description=description)


class Migration(migrations.Migration):
    dependencies = [("clinicians", "0005_clinician_video_url")]

    operations = [
        migrations.AddField(
            model_name="approach",
            name="description",
            field=models.CharField(
                blank=True,
                help_text=(
                    "One line in plain words that a client can understand, shown beside the "
                    "approach in the intake, e.g. “Noticing the thoughts that keep you stuck "
                    "and trying new ones”."
                ),
                max_length=160,
                verbose_name="description",
            ),
        ),
        migrations.RunPython(describe, migrations.RunPython.noop),
    ]
