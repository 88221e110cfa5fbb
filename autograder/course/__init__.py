"""The course build: source/ -> notebooks/ (student notebooks) and solutions/ (the reference)."""
