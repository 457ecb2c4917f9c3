"""Notifications: who is told of an act, by e-mail and signed webhooks, and the record of
every attempt to tell them."""
