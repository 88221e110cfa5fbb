"""JupyterHub for instructor-led labs of the CNN course (`make hub`; README, "Labs on JupyterHub").

One course (``cnn-course``, as in nbgrader_config.py), one instructor and a few learners:

- every single-user server runs from the course's ``.venv`` (jupyterhub-singleuser there), so
  learners have exactly the packages and course helpers of ``make lab``;
- each hub user is a unix user of the same name (LocalProcessSpawner): nbgrader's exchange takes
  the student id from the unix user (``nbgrader.utils.get_username``), and ``nbgrader collect``
  checks that each submission is owned by the student it claims to be from;
- nbgrader's exchange is one shared folder (CNN_HUB_EXCHANGE) with a subfolder per course, and
  JupyterHub's groups follow nbgrader's multi-course convention: ``nbgrader-cnn-course`` (the
  course's learners and instructor) and ``formgrade-cnn-course`` (its instructor);
- learners get ``jupyter/learner`` (Validate on, formgrader, Create Assignment and the course
  list off) plus nbgrader's Assignments panel, which a hub needs; instructors get
  ``jupyter/instructor`` (formgrader and every nbgrader tool);
- ``Spawner.mem_limit`` per user (CNN_HUB_MEM_LIMIT): LocalProcessSpawner only passes it on as
  MEM_LIMIT and does not enforce it; systemdspawner (a cgroup's MemoryMax) and KubeSpawner (the
  container's limit) do;
- a demo authenticator (SharedPasswordAuthenticator: the listed users, one shared password) for
  a local trial on 127.0.0.1. Production needs a real one (README).

Settings come from the environment, so that `make hub` and tests/test_hub.py use this file as
it is:

    CNN_HUB_STATE          folder for the hub's database, cookie secret, demo password, the demo
                           users' homes and the exchange (default deploy/jupyterhub/state)
    CNN_HUB_PORT           public port on 127.0.0.1 (8000); CNN_HUB_API_PORT (8081) and
                           CNN_HUB_PROXY_API_PORT (8001): the hub's and the proxy's own ports
    CNN_HUB_INSTRUCTOR     the instructor's user name (cnn-instructor)
    CNN_HUB_LEARNERS       learners, comma-separated (cnn-learner1,cnn-learner2,cnn-learner3)
    CNN_HUB_PASSWORD       the demo password (default: random, kept in STATE/hub/demo_password)
    CNN_HUB_EXCHANGE       nbgrader's exchange (default STATE/exchange)
    CNN_HUB_CREATE_USERS   1: create missing unix users with homes under STATE/home (needs
                           root), and the instructor's course folder ~/cnn-course
    CNN_HUB_MEM_LIMIT      memory per user (default 3G)
    CNN_HUB_SUBDOMAIN_HOST e.g. https://hub.example.org: per-user subdomains, which make
                           formgrader's panel inside JupyterLab safe (nbgrader#1870)
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (injected by JupyterHub)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
COURSE = "cnn-course"  # nbgrader_config.py's CourseDirectory.course_id

STATE = Path(os.environ.get("CNN_HUB_STATE") or HERE / "state").resolve()
HUB_DIR = STATE / "hub"        # 0700: database, cookie secret, demo password, proxy pid
HOMES = STATE / "home"
EXCHANGE = Path(os.environ.get("CNN_HUB_EXCHANGE") or STATE / "exchange").resolve()
INSTRUCTOR = os.environ.get("CNN_HUB_INSTRUCTOR", "cnn-instructor")
LEARNERS = [n for n in os.environ.get(
    "CNN_HUB_LEARNERS", "cnn-learner1,cnn-learner2,cnn-learner3").split(",") if n]
PORT = int(os.environ.get("CNN_HUB_PORT", "8000"))
SUBDOMAIN_HOST = os.environ.get("CNN_HUB_SUBDOMAIN_HOST", "")


def _folder(path: Path, mode: int) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    return path


def demo_password() -> str:
    """CNN_HUB_PASSWORD, or a random password made once and kept in STATE/hub (mode 0600)."""
    if os.environ.get("CNN_HUB_PASSWORD"):
        return os.environ["CNN_HUB_PASSWORD"]
    keep = HUB_DIR / "demo_password"
    if not keep.exists():
        fd = os.open(keep, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(12))
    return keep.read_text().strip()


def ensure_unix_user(name: str) -> pwd.struct_passwd:
    """The unix user ``name``, created with its home in STATE/home if missing. An existing user
    whose home is elsewhere is refused: the hub would run that account's server."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--home-dir", str(HOMES / name),
                        "--shell", "/bin/bash", "--user-group", name], check=True)
        return pwd.getpwnam(name)
    if Path(entry.pw_dir).resolve().parent != HOMES.resolve():
        sys.exit(f"jupyterhub_config.py: unix user {name!r} exists with home {entry.pw_dir}, "
                 f"outside {HOMES}; choose other demo names (CNN_HUB_INSTRUCTOR, CNN_HUB_LEARNERS)")
    return entry


def provision_course(instructor: pwd.struct_passwd) -> Path:
    """~/cnn-course for the instructor: the course's source/, notebooks/ and nbgrader_config.py,
    with exchange/ a link to the shared exchange (nbgrader_config.py puts the exchange at
    <course>/exchange). Left alone if it exists."""
    course = Path(instructor.pw_dir) / COURSE
    if not course.exists():
        tmp = course.with_name(f".{COURSE}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name in ("source", "notebooks"):
            shutil.copytree(ROOT / name, tmp / name)
        shutil.copy(ROOT / "nbgrader_config.py", tmp / "nbgrader_config.py")
        (tmp / "exchange").symlink_to(EXCHANGE)
        subprocess.run(["chown", "-R", "--no-dereference",
                        f"{instructor.pw_uid}:{instructor.pw_gid}", str(tmp)], check=True)
        tmp.rename(course)
    return course


def reachable_by_all(path: Path) -> bool:
    """Whether any user can execute ``path``: every folder on its real path traversable by
    others, the file executable by others."""
    real = Path(os.path.realpath(path))
    return all(os.stat(p).st_mode & 0o001 for p in [real, *real.parents])


def user_python() -> Path:
    """The bin folder the single-user servers run from: the course's .venv/bin, or, where its
    interpreter is closed to other users (a pyenv Python under /root, mode 0700), a bridge in
    STATE/python: a venv of the system's Python of the same minor version whose one .pth file
    adds the .venv's site-packages (its .pth files included), with the .venv's console scripts
    pointed at it, and its share/jupyter and etc/jupyter links to the .venv's. Same packages,
    extensions and course helpers; only the interpreter binary differs."""
    venv_python = VENV_BIN / "python"
    if reachable_by_all(venv_python):
        return VENV_BIN
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = next((Path(d) / f"python{version}" for d in ("/usr/bin", "/usr/local/bin")
                   if (Path(d) / f"python{version}").exists()
                   and reachable_by_all(Path(d) / f"python{version}")), None)
    if system is None:
        sys.exit(f"jupyterhub_config.py: {os.path.realpath(venv_python)} cannot be run by other "
                 f"users and there is no system python{version} to bridge to; install the course "
                 "where every user can read it (e.g. /opt/cnn-course with the system Python)")
    bridge = STATE / "python"
    site = (ROOT / ".venv" / "lib" / f"python{version}" / "site-packages").resolve()
    if not (bridge / "bin" / "python").exists():
        subprocess.run([str(system), "-m", "venv", "--without-pip", str(bridge)], check=True)
    for sub in ("share", "etc"):  # Jupyter's data and config of sys.prefix: the .venv's
        link = bridge / sub / "jupyter"
        if not link.is_symlink():
            link.parent.mkdir(exist_ok=True)
            link.symlink_to(ROOT / ".venv" / sub / "jupyter")
    pth = bridge / "lib" / f"python{version}" / "site-packages" / "cnn_course_venv.pth"
    pth.write_text(f"import site; site.addsitedir({str(site)!r})\n")
    shebang = f"#!{VENV_BIN / 'python'}".encode()
    for script in VENV_BIN.iterdir():
        if script.is_file() and not script.is_symlink():
            head, _, body = script.read_bytes().partition(b"\n")
            if head.strip() in (shebang, shebang.replace(b"/python", b"/python3")):
                target = bridge / "bin" / script.name
                target.write_bytes(f"#!{bridge / 'bin' / 'python'}\n".encode() + body)
                target.chmod(0o755)
    return bridge / "bin"


# ----------------------------------------------------------------------------- state, users
_folder(STATE, 0o755)
_folder(HUB_DIR, 0o700)
_folder(HOMES, 0o755)
_folder(EXCHANGE, 0o1777)  # nbgrader: every user writes here; sticky, as /tmp
PASSWORD = demo_password()
USER_BIN = user_python()
if os.environ.get("CNN_HUB_CREATE_USERS") == "1":
    if os.geteuid() != 0:
        sys.exit("jupyterhub_config.py: CNN_HUB_CREATE_USERS=1 needs root (useradd)")
    for _name in LEARNERS:
        ensure_unix_user(_name)
    provision_course(ensure_unix_user(INSTRUCTOR))

# ----------------------------------------------------------------------------- hub and proxy
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("CNN_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{int(os.environ.get('CNN_HUB_PROXY_API_PORT', '8001'))}")
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every single-user server
if SUBDOMAIN_HOST:
    c.JupyterHub.subdomain_host = SUBDOMAIN_HOST

# ----------------------------------------------------------------------------- who is who
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = PASSWORD
c.Authenticator.allowed_users = {INSTRUCTOR, *LEARNERS}
c.JupyterHub.load_groups = {
    f"nbgrader-{COURSE}": {"users": [INSTRUCTOR, *LEARNERS]},
    f"formgrade-{COURSE}": {"users": [INSTRUCTOR]},
}

# ----------------------------------------------------------------------------- servers
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(USER_BIN / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = "~"
c.Spawner.mem_limit = os.environ.get("CNN_HUB_MEM_LIMIT", "3G")
c.Spawner.start_timeout = 180  # a loaded 2-core machine imports JupyterLab slowly
c.Spawner.http_timeout = 180
# nbgrader's JupyterHubAuthPlugin reads the user's groups (which courses) with the server's token
c.Spawner.server_token_scopes = [
    "users:activity!user", "access:servers!server", "read:users:name!user",
    "read:users:groups!user"]

LEARNER_CONFIG = [HERE / "config" / "learner", HERE / "config" / "common", ROOT / "jupyter" / "learner"]
INSTRUCTOR_CONFIG = [HERE / "config" / "instructor", HERE / "config" / "common",
                     ROOT / "jupyter" / "instructor"]


def is_instructor(spawner) -> bool:
    """Graders of the course: members of formgrade-<course>."""
    return any(g.name == f"formgrade-{COURSE}" for g in spawner.user.groups)


def per_user(spawner) -> None:
    """The learner's or the instructor's Jupyter configuration, and where the course is."""
    instructor = is_instructor(spawner)
    dirs = INSTRUCTOR_CONFIG if instructor else LEARNER_CONFIG
    env = {
        "JUPYTER_CONFIG_PATH": os.pathsep.join(str(d) for d in dirs),
        "PATH": f"{USER_BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "CNN_HUB_EXCHANGE": str(EXCHANGE),
        "CNN_HUB_COURSE": COURSE,
    }
    if instructor:
        home = Path(pwd.getpwnam(spawner.user.name).pw_dir)
        env["CNN_HUB_COURSE_ROOT"] = str(home / COURSE)
        if SUBDOMAIN_HOST:
            env["CNN_HUB_FRAME_SELF"] = "1"
        spawner.default_url = f"/lab/tree/{COURSE}"
    else:
        spawner.default_url = "/lab"
    spawner.environment.update(env)


c.Spawner.pre_spawn_hook = per_user

# ----------------------------------------------------------------------------- make hub
print(f"""
JupyterHub for the CNN course (a local trial with a demo password; see README,
"Labs on JupyterHub", for a real authenticator):
    URL:        http://127.0.0.1:{PORT}/
    instructor: {INSTRUCTOR} (formgrader: http://127.0.0.1:{PORT}/user/{INSTRUCTOR}/formgrader)
    learners:   {", ".join(LEARNERS)}
    password:   {PASSWORD}   (every demo user)
    exchange:   {EXCHANGE}
""", file=sys.stderr, flush=True)
