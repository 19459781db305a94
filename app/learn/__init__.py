"""The learner's pages of the course: the outline and the lesson pages (blueprint `course`)."""
