"""The instructor's forms, one module per room (each question type's own form lives with
its type in `app.bank.types`). Forms validate input and put each message next to its field.
"""
