"""What counts as a usable secret, and demo mode (docs/contracts.md, "Secrets and demo mode").

Pure Python (standard library only): the backend and the gateway (.venv) and Rasa and the action server
(.venv-rasa) all start through `require(service)`, so every service applies the same rule:

- outside demo mode a secret must be set, at least MIN_LENGTH characters, and not public: not one of the
  defaults earlier versions shipped and not any string that appears in the source tree (a value copied from
  the repository, a README or a test is known to everyone who can read it);
- in demo mode (`ANXIN_DEMO=1`, set by `make run` only) a missing or unusable secret is replaced by a random one
  generated once into `var/secrets.env` (mode 600, never committed) and reused at every later start, so all
  services of one machine agree and a token signed by anyone else is refused.

Secrets are read from the environment first, then from the repository's `.env` (the one settings source the
README promises); the chosen values are put into `os.environ` so the services' own settings read them.
"""
from __future__ import annotations

import contextlib
import os
import secrets as _random
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MIN_LENGTH = 32

TOKEN_SECRET = "ANXIN_TOKEN_SECRET"  # backend: signs and checks the customers' and staff's JWTs
TWILIO_AUTH_TOKEN = "ANXIN_TWILIO_AUTH_TOKEN"  # gateway: checks X-Twilio-Signature on phone webhooks
RASA_TOKEN = "ANXIN_RASA_TOKEN"  # Rasa: --auth-token of its HTTP API (the REST channel webhook stays open)
ACTIONS_SECRET = "ANXIN_ACTIONS_SECRET"  # Rasa -> action server, header X-Anxin-Actions-Secret
DEMO_STAFF_PASSWORD = "ANXIN_DEMO_STAFF_PASSWORD"  # demo mode only: the kiosk staff user's password
ACTIONS_SECRET_HEADER = "X-Anxin-Actions-Secret"

SERVICE_SECRETS: dict[str, tuple[str, ...]] = {
    "backend": (TOKEN_SECRET,),
    "gateway": (TWILIO_AUTH_TOKEN,),
    "rasa": (RASA_TOKEN, ACTIONS_SECRET),
    "actions": (ACTIONS_SECRET,),
}
ALL_SECRETS: tuple[str, ...] = (TOKEN_SECRET, TWILIO_AUTH_TOKEN, RASA_TOKEN, ACTIONS_SECRET)
# Secrets a service can do without (it then makes its own or skips the check) but refuses when set to an
# unusable value: the gateway's audio-name key (voice/speaker.py) and the gateway -> backend proxy secret.
OPTIONAL_SECRETS: dict[str, tuple[str, ...]] = {
    "backend": ("ANXIN_PROXY_SECRET",),
    "gateway": ("ANXIN_AUDIO_KEY_SECRET", "ANXIN_PROXY_SECRET"),
}
# What demo mode generates: the services' secrets and the demo staff password (printed by `make run`).
DEMO_VALUES: tuple[str, ...] = (*ALL_SECRETS, DEMO_STAFF_PASSWORD)

# Defaults shipped by earlier versions: public for ever, whether or not they are still in the tree.
KNOWN_PUBLIC = frozenset({
    "anxin-dev-secret-change-me-0123456789abcdef",
    "anxin-dev-twilio-auth-token",
    "test-secret-0123456789abcdef0123456789abcdef",
    "anxin-staff",
})

# Source-tree scan: text files only; generated, local and operator-owned places are left out (.env holds the
# operator's own secrets, var/ the demo ones).
_SKIP_DIRS = {"var", "node_modules", "__pycache__", "models", "results", "build", "dist"}
_SKIP_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".gz", ".tar", ".zip", ".mp3", ".wav", ".db",
                  ".pyc", ".so", ".whl", ".pdf", ".env"}
_MAX_SCANNED_FILE = 2_000_000


class SecretError(Exception):
    """A service's secrets are not usable; the message is one line an operator can act on."""


def demo_mode(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("ANXIN_DEMO", "").strip().lower() in {"1", "true", "yes", "on"}


def demo_file(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("ANXIN_SECRETS_FILE") or REPO_ROOT / "var" / "secrets.env")


def in_source_tree(value: str, root: Path = REPO_ROOT) -> bool:
    """Whether `value` appears in any text file of the source tree (a checkout, not an installed package)."""
    if not (root / "pyproject.toml").exists():
        return False
    needle = value.encode()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = Path(folder, name)
            if name.startswith(".env") or path.suffix.lower() in _SKIP_SUFFIXES:
                continue
            with contextlib.suppress(OSError):
                if path.stat().st_size <= _MAX_SCANNED_FILE and needle in path.read_bytes():
                    return True
    return False


def problem(name: str, value: str | None, root: Path = REPO_ROOT) -> str | None:
    """Why `value` cannot be used as secret `name` outside demo mode, or None when it can."""
    if not value:
        return f"{name} is not set"
    if value.strip() != value:
        return f"{name} has leading or trailing spaces"
    if value in KNOWN_PUBLIC:
        return f"{name} is a public default (it appears in the source code)"
    if len(value) < MIN_LENGTH:
        return f"{name} is too short ({len(value)} characters, at least {MIN_LENGTH})"
    if in_source_tree(value, root):
        return f"{name} is a public default (it appears in the source code)"
    if len(set(value)) < 8:
        return f"{name} is too regular (fewer than 8 different characters)"
    return None


def generate() -> str:
    """A new random secret: 43 URL-safe characters (256 bits)."""
    return _random.token_urlsafe(32)


def generate_all(names: Iterable[str] = ALL_SECRETS) -> dict[str, str]:
    """Fresh secrets for a throwaway deployment (tests, benchmarks): never written anywhere."""
    return {name: generate() for name in names}


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (`export ` and quotes allowed, `#` comments), as written by `write_env_file` or by hand."""
    out: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def _write_private(path: Path, values: Mapping[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# Anxin demo secrets (ANXIN_DEMO=1), generated on first start. Never commit, never reuse.\n")
        out.writelines(f"{key}={value}\n" for key, value in values.items())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def demo_secrets(path: Path | None = None) -> dict[str, str]:
    """The demo secrets in `path` (default var/secrets.env), generating whatever is missing or unusable.

    Several services start at once under `make run`; a lock file makes the first one generate and the others
    read the same values."""
    path = path or demo_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(f".{path.name}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(ImportError):
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        values = read_env_file(path)
        changed = False
        for name in DEMO_VALUES:
            if name == DEMO_STAFF_PASSWORD:
                usable = len(values.get(name, "")) >= 12
            else:
                usable = problem(name, values.get(name)) is None
            if not usable:
                values[name] = _random.token_urlsafe(12) if name == DEMO_STAFF_PASSWORD else generate()
                changed = True
        if changed or (path.stat().st_mode & 0o077):
            _write_private(path, values)
        return values
    finally:
        os.close(fd)


def resolve(names: Iterable[str], env: Mapping[str, str] | None = None,
            optional: Iterable[str] = ()) -> dict[str, str]:
    """The usable values of `names` (environment, then the repository's .env, then demo mode's file).

    Raises SecretError naming every unusable one (and every `optional` one that is set but unusable); in demo
    mode nothing is unusable."""
    env = os.environ if env is None else env
    dotenv = read_env_file(REPO_ROOT / ".env")
    demo = demo_secrets(demo_file(env)) if demo_mode(env) else {}
    chosen: dict[str, str] = {}
    problems: list[str] = []
    for name in names:
        value = env.get(name) or dotenv.get(name) or ""  # unset and empty alike: "is not set"
        reason = problem(name, value)
        if reason is None:
            chosen[name] = value
        elif demo:
            chosen[name] = demo[name]
        else:
            problems.append(reason)
    for name in optional:
        value = env.get(name) or dotenv.get(name) or ""
        if value and not demo and (reason := problem(name, value)) is not None:
            problems.append(reason)
    if problems:
        raise SecretError("; ".join(problems))
    return chosen


def require(service: str, env: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Called first thing by every service's start: its secrets, exported into `env` (os.environ), or exit.

    The error is one line on stderr and exit status 2, before anything listens."""
    env = os.environ if env is None else env
    try:
        chosen = resolve(SERVICE_SECRETS[service], env, OPTIONAL_SECRETS.get(service, ()))
    except SecretError as exc:
        print(f"anxin {service}: refusing to start: {exc}. Set a random value of at least {MIN_LENGTH} "
              "characters (e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
              "or use `make run` (demo mode, ANXIN_DEMO=1).", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    env.update(chosen)
    return chosen


def _main(argv: list[str]) -> int:
    """`python -m rules.secrets demo` (scripts/run.sh): make sure var/secrets.env exists, print it as shell
    exports for `eval`. `python -m rules.secrets check NAME...`: one line per unusable secret, exit 2."""
    if argv[:1] == ["demo"]:
        for key, value in demo_secrets().items():
            print(f"export {key}='{value}'")
        return 0
    if argv[:1] == ["check"]:
        try:
            resolve(argv[1:] or ALL_SECRETS)
        except SecretError as exc:
            print(f"refusing to start: {exc}", file=sys.stderr)
            return 2
        return 0
    print("usage: python -m rules.secrets demo | check [NAME...]", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
