"""The instructor workspace: one blueprint (`instructor`), one module per room.

    GET       /instructor/                                  index               home
    GET       /instructor/questions                         search              questions
    GET       /instructor/lessons/<slug>/questions          questions           questions
    GET, POST /instructor/lessons/<slug>/questions/new      new_question        questions
    GET, POST /instructor/questions/<uid>/edit              edit_question       questions
    POST      /instructor/questions/<uid>/retire            retire_question     questions
    POST      /instructor/questions/<uid>/reactivate        reactivate_question questions
    GET, POST /instructor/lessons/<slug>/edit               edit_lesson         lessons
    GET, POST /instructor/lessons/<slug>/settings           lesson_settings     lessons
    GET, POST /instructor/course/settings                   course_settings     course
    GET, POST /instructor/lessons/<slug>/import             import_upload       transfer
    GET       /instructor/lessons/<slug>/import/<token>     import_preview      transfer
    POST      /instructor/lessons/<slug>/import/<token>     import_confirm      transfer
    GET       /instructor/lessons/<slug>/export.gift        export_lesson       transfer
    GET       /instructor/export.gift                       export_bank         transfer
    GET       /instructor/gradebook                         gradebook           gradebook
    GET       /instructor/gradebook.csv                     gradebook_csv       gradebook
    GET       /instructor/learners/<id>                     learner             gradebook
    POST      /instructor/learners/<id>/lessons/<id>/extra-attempt
                                                            grant_extra_attempt gradebook
    POST      /instructor/learners/<id>/password-reset      issue_password_reset gradebook
    GET       /instructor/attempts/<id>                     attempt_review      gradebook
    POST      /instructor/learners/<id>/lti-scores/retry    retry_lti_scores    gradebook
    POST      /instructor/gradebook/roster                  fetch_lti_roster    gradebook
    GET       /instructor/lessons/<slug>/statistics         statistics          statistics
    GET       /instructor/lessons/<slug>/statistics.csv     statistics_csv      statistics
    GET       /instructor/lessons/<slug>/statistics.json    statistics_json     statistics
    GET, POST /instructor/lti                               lti_registrations   lti
    GET, POST /instructor/lti/<id>/edit                     edit_lti_registration lti
    POST      /instructor/lti/<id>/delete                   delete_lti_registration lti

A new room is a module here that adds its routes to `bp`, imported below.
"""

from app.instructor.blueprint import bp
from app.instructor.views import (
    course,
    gradebook,
    home,
    lessons,
    lti,
    questions,
    statistics,
    transfer,
)

__all__ = [
    "bp",
    "course",
    "gradebook",
    "home",
    "lessons",
    "lti",
    "questions",
    "statistics",
    "transfer",
]
