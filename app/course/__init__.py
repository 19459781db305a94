"""The course's structure: modules and lessons, the course row, quiz settings, the course files."""
