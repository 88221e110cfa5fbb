"""Student-safe helpers for the course notebooks: figures and data loading.

Student notebooks import only this package (never ``solutions``), so it holds no answers.
"""
