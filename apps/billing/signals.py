"""What billing tells the rest of the platform, without knowing who listens.

Billing is a public-schema app and never imports workspace code; apps that want to react to
credit changes (the workspace's "credits are running low" notification) connect here.
"""

from django.dispatch import Signal

# Credits were spent for good: a settled AI run charged something, or staff took some away.
# Sent inside the transaction that holds the account's CreditBalance row locked (so two
# workers spending at once reach the receivers one after the other), with `account` and
# `balance` (the CreditBalance after the change). Sent robustly: a failing receiver never
# undoes a charge.
credits_spent = Signal()
