"""The course's autograder: the build from source notebooks, checks and grading on nbgrader."""
