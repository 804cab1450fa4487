"""Dunning (SPEC §9): due dates, blocking, deactivation and reminders.

`rules` is the pure evaluator: from what is known of one customer on a date it computes the
dunning calendar and the action due. `usecases` reads that knowledge through the unit of work
and applies the actions, each with an audit entry and an event.
"""
