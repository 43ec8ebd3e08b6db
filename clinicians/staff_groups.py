"""The staff groups, and what practice staff may do with clinicians' records.

Each app lists the grants on its own models; `matching.staff_groups` puts them together into the
groups after every migrate, so a grant is read next to the model it is about."""

PRACTICE_STAFF = "Practice staff"
# Seeing what clients wrote is a separate, deliberate grant.
INTAKE_REVIEWERS = "Intake reviewers"

# group → model → actions ("view" means view_<model>; a name with "_" is a codename as is)
GRANTS = {
    PRACTICE_STAFF: {
        "clinician": ("add", "change", "view", "delete"),
        "license": ("add", "change", "view", "delete"),
        "consultationhours": ("add", "change", "view", "delete"),
        "availabilityexception": ("add", "change", "view", "delete"),
        # Vocabulary terms are retired with "offered", not deleted, so no profile loses a value.
        "concern": ("add", "change", "view"),
        "approach": ("add", "change", "view"),
        "language": ("add", "change", "view"),
        "insuranceplan": ("add", "change", "view"),
        "community": ("add", "change", "view"),
        "credential": ("add", "change", "view"),
        "office": ("add", "change", "view"),
        # Clinicians' proposed profile changes: reviewed (approved or returned), never deleted.
        "profileproposal": ("change", "view"),
        # The practice's name, logo and accent: one row, never deleted.
        "practicebrand": ("add", "change", "view"),
    },
}
