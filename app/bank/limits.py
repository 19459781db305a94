"""Size limits of a question, the same whichever way it arrives (editor, import, course load).

Text limits are in characters; the editor shows at most `MAX_ROWS` answer rows.
"""

MAX_TITLE = 200
MAX_PROMPT = 10_000
MAX_ANSWER = 1_000
MAX_FEEDBACK = 5_000
MAX_ROWS = 50
MAX_UPLOAD_BYTES = 1024 * 1024
# Item-writing rules one question may silence, and the editor's field for them.
MAX_SILENCES = 20
MAX_SILENCES_TEXT = 8_000
