"""nbgrader settings of every single-user server on the course's JupyterHub (learners and
instructors alike), on JUPYTER_CONFIG_PATH from jupyterhub_config.py.

The exchange is one shared folder (CNN_HUB_EXCHANGE, set by the hub) with a subfolder per course
(path_includes_course), and JupyterHub's groups say who takes which course: nbgrader's
convention, ``nbgrader-<course>`` for everyone in the course and ``formgrade-<course>`` for its
graders (JupyterHubAuthPlugin reads the user's groups from the hub's API).
"""

import os

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821  (injected by nbgrader)

c.CourseDirectory.course_id = os.environ.get("CNN_HUB_COURSE", "cnn-course")
c.Exchange.root = os.environ.get("CNN_HUB_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = True
c.Authenticator.plugin_class = JupyterHubAuthPlugin
# an instructor's course folder (formgrader and nbgrader's commands find it from anywhere)
if os.environ.get("CNN_HUB_COURSE_ROOT"):
    c.CourseDirectory.root = os.environ["CNN_HUB_COURSE_ROOT"]
