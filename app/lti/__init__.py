"""LTI 1.3 tool: schools launch the course from their LMS and get the scores back.

The LTI library (pylti1p3next) is used only through the library modules `app/lti/tool.py`
and `app/lti/tool_launch.py`; the rest is our glue: storage shared by servers, user
mapping, deep-linking targets, the score outbox.
"""
