from django.dispatch import Signal

# Sent after a client's consultations were erased at their request, with client_reference
# (the intake id). Apps that hold more of the client's data (matching) delete it too.
client_data_erased = Signal()

# Sent when a clinician records that a client is starting therapy with them, with engagement_id
# and client_reference. Matching copies the intake's baseline answers onto the engagement.
therapy_started = Signal()

# Sent when a check-in's re-asked safety question needs a same-day call, with client_reference
# and week. Matching flags the client's intake for the call queue.
checkin_safety_flagged = Signal()

# Sent after a check-in was recorded, with clinician_id: the clinician's strengths change.
checkin_recorded = Signal()

# Sent when a client chooses, after a check-in, to try their next match, with client_reference.
# Matching keeps their matches open to them again.
therapy_switch_requested = Signal()
