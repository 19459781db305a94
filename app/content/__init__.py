"""Course content into the database: `flask course load` writes what `app.course.files` reads."""
