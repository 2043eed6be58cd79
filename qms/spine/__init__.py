"""The spine: the one place where a feature plugs into QMS. It imports Flask, the extensions and nothing else.

Plugs (each a module here; a feature calls them from its own registration.py when its blueprint is registered):
- records     record types: what "any record" is (titles, links, who reads it, search, evidence)
- navigation  main-navigation entries and dashboard cards
- sections    application-dossier sections (the dossier package reads this registry)
- slides      briefing slide kinds, live slides fed by each module (the briefing package reads this registry)
- panels      related panels one feature shows on another's record page (e.g. reviewer questions on an item)
- commands    the `flask --app wsgi qms …` command group
- clock       today()/now() in the office's time zone, frozen by tests
- access      the roles and the access rule every view declares
- enums       LabelledEnum: a stored value with its translated label
"""
