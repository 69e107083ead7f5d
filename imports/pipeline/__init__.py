"""The steps of an import: start (file and columns), check (staging), apply, undo."""
