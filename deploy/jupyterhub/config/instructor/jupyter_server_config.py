"""An instructor's single-user server on the course's JupyterHub.

JupyterHub 4.1+ serves single-user pages with ``Content-Security-Policy: frame-ancestors
'none'``, which blanks formgrader's panel inside JupyterLab (an iframe; jupyter/nbgrader#1870).
Without per-user subdomains that is right: every user's server shares one origin, and letting a
learner's page frame the instructor's formgrader would hand it the instructor's session. So by
default instructors open formgrader in a browser tab of its own, /user/<name>/formgrader. With
subdomains on (CNN_HUB_SUBDOMAIN_HOST, see jupyterhub_config.py), each server has its own origin
and 'self' is safe, so the panel works inside JupyterLab again.
"""

import os

c = get_config()  # noqa: F821  (injected by Jupyter)

if os.environ.get("CNN_HUB_FRAME_SELF") == "1":
    c.ServerApp.tornado_settings = {
        "headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
