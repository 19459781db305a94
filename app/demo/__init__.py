"""The demo class: simulated learners whose attempts make the statistics pages speak."""
