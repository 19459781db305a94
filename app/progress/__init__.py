"""A learner's progress: lessons read, states, the next step, score history, completion."""
