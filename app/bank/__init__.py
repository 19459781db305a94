"""The question bank's pure core: data shapes, GIFT and Aiken readers, GIFT writer, graders."""
