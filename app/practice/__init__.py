"""Spaced-repetition practice of the questions a learner missed in graded quizzes."""
