"""Batch grading: intake of submissions, nbgrader's gradebook, parallel workers, reports."""
