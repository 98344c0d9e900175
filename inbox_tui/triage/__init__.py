"""Triage, computed locally so it works offline and across every connector at once.

``query`` / ``query_sql``  the search language → a SQL fragment with parameters
``views``                  saved searches (tabs) and their sorts
``sla`` / ``priority``     business-hour clocks and the explained priority score
``rules`` / ``runner``     ``rules.toml``: parse, evaluate, apply (in the sync process)
``snooze``                 presets and custom wake times
``settings``               the triage tables of ``config.toml``
``engine`` / ``actions``   what ``InboxService`` delegates to

Submodules are imported where needed; importing the package costs nothing.
"""
