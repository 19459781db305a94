"""The question bank: data shapes, GIFT and Aiken readers, the GIFT writer, the question types
(`types/`: reader, grader, writer, form and template of each), stored questions and versions."""
