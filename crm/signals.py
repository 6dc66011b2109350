"""Signals other apps listen to, so crm need not know them."""

from django.dispatch import Signal

# Sent by dnc_add with dnc_list and phone (E.164) when a number newly goes on a list,
# inside its transaction, so what listeners write commits or rolls back with the entry.
dnc_number_added = Signal()
