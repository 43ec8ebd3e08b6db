from django.dispatch import Signal

# Sent after a client's consultations were erased at their request, with client_reference
# (the intake id). Apps that hold more of the client's data (matching) delete it too.
client_data_erased = Signal()
