"""The SMS keyword conversation: ``parser`` (text → Command), ``dispatcher`` (Command →
service call → replies), ``keywords`` (the words, per language), ``replies`` (every
text we answer with)."""
