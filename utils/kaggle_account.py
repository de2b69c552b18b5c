"""Signing in to Kaggle: where credentials come from (never what they are), the signed-in
`kaggle` client, and the errors that say what to do, HTTP 403 (rules not accepted) included."""

import contextlib
import io
import json
import os
import stat
import warnings
from pathlib import Path

CREDENTIALS_HELP = """\
No Kaggle credentials found. Give them in one of these ways:
  * kaggle auth login                     (browser sign-in; stores ~/.kaggle/credentials.json)
  * ~/.kaggle/kaggle.json                 from https://www.kaggle.com/settings -> API ->
                                          "Create New Token"; then: chmod 600 ~/.kaggle/kaggle.json
  * KAGGLE_USERNAME and KAGGLE_KEY        environment variables (or KAGGLE_API_TOKEN)
Without an account the course runs on generated data: make data"""


class KaggleDownloadError(RuntimeError):
    """A download or unpack problem, with a message that says what to do."""


class KaggleCredentialsError(KaggleDownloadError):
    """No usable Kaggle credentials."""


def http_status(error):
    """The HTTP status of a failed `kaggle` call, or None."""
    return getattr(getattr(error, "response", None), "status_code", None)


def accept_the_rules(rules):
    """What to do when the competition's rules (at the page `rules`) are not accepted yet."""
    return f"Accept the competition rules at {rules} while signed in; they can't be accepted through the API."


def rules_not_accepted(what, rules):
    """Kaggle's HTTP 403 on a download or a submission (`what`), explained."""
    return f"Kaggle refused the {what} (HTTP 403). {accept_the_rules(rules)} Then run again."


def credentials_source(environ=None, home=None):
    """Where Kaggle credentials would come from (a description), or None.

    Only says where; never reads or returns the secret itself.
    """
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else Path(home)
    if environ.get("KAGGLE_USERNAME") and environ.get("KAGGLE_KEY"):
        return "the KAGGLE_USERNAME and KAGGLE_KEY environment variables"
    if environ.get("KAGGLE_API_TOKEN"):
        return "the KAGGLE_API_TOKEN environment variable"
    for path in _credential_files(environ, home):
        if path.is_file():
            return str(path)
    return None


def _credential_files(environ, home):
    config_dirs = [Path(environ["KAGGLE_CONFIG_DIR"])] if environ.get("KAGGLE_CONFIG_DIR") else []
    config_dirs += [home / ".kaggle", Path(environ.get("XDG_CONFIG_HOME") or home / ".config") / "kaggle"]
    names = ("kaggle.json", "access_token", "credentials.json")
    return [folder / name for folder in config_dirs for name in names]


def redact(text, environ=None, home=None):
    """`text` with every Kaggle secret we can find replaced by '***'.

    Errors from the client may quote a request (and so a key); everything we
    show passes through here first.
    """
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else Path(home)
    secrets = [environ.get("KAGGLE_KEY"), environ.get("KAGGLE_API_TOKEN")]
    for path in _credential_files(environ, home):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if path.name == "kaggle.json":
                secrets.append(json.loads(path.read_text()).get("key"))
            elif path.name == "access_token":
                secrets.append(path.read_text().strip())
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def warn_if_readable_by_others(path):
    """Warn when a credentials file can be read by other users of the machine."""
    path = Path(path)
    if path.is_file() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.warn(
            f"{path} can be read by other users of this machine; protect your key with: chmod 600 {path}",
            stacklevel=2,
        )
        return True
    return False


def kaggle_client():
    """A signed-in `kaggle` API object, or a KaggleCredentialsError saying why not."""
    source = credentials_source()
    if source is None:
        raise KaggleCredentialsError(CREDENTIALS_HELP)
    if source.endswith((".json", "access_token")):
        warn_if_readable_by_others(source)
    # Importing `kaggle` already tries to sign in and prints help text on
    # failure; keep that out of notebook output and report it ourselves.
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            from kaggle.api.kaggle_api_extended import KaggleApi

            api = KaggleApi()
            api.authenticate()
        except (Exception, SystemExit) as error:
            raise KaggleCredentialsError(
                f"Kaggle could not sign in with the credentials from {source} "
                f"({type(error).__name__}).\n{CREDENTIALS_HELP}"
            ) from None
    return api
