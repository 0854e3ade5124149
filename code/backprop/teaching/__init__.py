"""The teaching helpers: what the chapters use to show and check, not to compute.

Checked equations, the graded exercises and their grader, counting, index calculus,
figures and animations, Mazur's published example and the running example. May
import everything below it.
"""
