"""Quizzes: attempts (start, save, submit once), grades (what counts), reviews (what is shown)."""
