"""Every output written whole or not at all, and one writer to a folder at a time.

A file is written to a temporary file beside it, then renamed into place: a rename within one file system
cannot run out of space, so a full disk, a Ctrl-C or a crash leaves the earlier file as it was. A set of files
(a report and its figures, the docs) is written the same way, every temporary file first, then every rename.
"""

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
from pathlib import Path

from shared.errors import UserError

MB = 2**20
STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, a service manager's stop, a closed terminal


@contextlib.contextmanager
def signals_held():
    """Ctrl-C, SIGTERM and SIGHUP held back while a set of renames runs (microseconds), then acted on: a stop in
    the middle would leave some files new and some old."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def failed(path, error):
    return UserError(f"cannot write {path}: {error.strerror or error}")


def write_all(writers):
    """Each path of `writers` ({path: write(temporary path)}) written by its function into a temporary file beside
    it; once every one is written, each renamed into place. A failure leaves every path as it was."""
    temporary, path = {}, None
    try:
        for path, write in writers.items():
            path = Path(path)
            handle, temporary[path] = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            os.close(handle)
            write(Path(temporary[path]))
            os.chmod(temporary[path], 0o644)  # a temporary file is private; the result is an ordinary file
        with signals_held():
            for path, written in temporary.items():
                os.replace(written, path)
    except BaseException as error:  # Ctrl-C too: no temporary file is left behind
        for written in temporary.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(written)
        if isinstance(error, OSError):
            raise failed(path, error) from None
        raise


def write_atomically(path, text):
    """Write all of `text` or nothing: a crash never leaves half a file at `path`."""
    write_all({path: lambda temporary: temporary.write_text(text)})


def check_writable(folder, needs_mb=1):
    """Fail before a run, not after it, when its outputs (about `needs_mb` MB) could not be written to `folder`."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
        free = shutil.disk_usage(folder).free
    except OSError as error:
        raise UserError(f"cannot write to {folder}: {error.strerror or error}") from None
    if free < needs_mb * MB:
        raise UserError(f"cannot write to {folder}: {free / MB:.1f} MB free, and the outputs need about "
                        f"{needs_mb:g} MB")


@contextlib.contextmanager
def output_folder(folder, needs_mb=1):
    """`folder` checked (check_writable), made if missing and removed again if the block fails with it still
    empty, so a run refused or stopped early leaves no empty folder behind."""
    folder = Path(folder)
    made = [f for f in (folder, *folder.parents) if not f.exists()]  # deepest first
    try:
        check_writable(folder, needs_mb)
        yield folder
    except BaseException:
        for path in made:
            try:
                path.rmdir()  # only if empty
            except OSError:
                break
        raise


@contextlib.contextmanager
def only_writer(target):
    """Refuses a second run into `target` while one writes there: an advisory lock, which the kernel lets go however
    the first run ends, SIGKILL included. A folder is locked itself (no file left behind); a file by a lock file
    beside it, .NAME.lock, removed when the run ends (left, unlocked and harmless, only by a SIGKILL)."""
    target = Path(target)
    lock = target if target.is_dir() else target.with_name(f".{target.name}.lock")
    while True:
        handle = os.open(lock, os.O_RDONLY if lock == target else os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise UserError(f"{target} is being written by another run; wait for it, or give this one another "
                            "--out") from None
        if lock == target or os.path.exists(lock) and os.stat(lock).st_ino == os.fstat(handle).st_ino:
            break
        os.close(handle)  # the lock file was removed by a run that ended as this one opened it: take the new one
    try:
        yield
    finally:
        if lock != target:
            with contextlib.suppress(OSError):
                os.unlink(lock)
        os.close(handle)


@contextlib.contextmanager
def written_together(folder, last=None):
    """A staging folder inside `folder` for a set of files; when the block ends, each is renamed into `folder`
    (`last` last), and on failure the staging folder goes and `folder` keeps what it held."""
    folder = Path(folder)
    try:
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".staging-"))
    except OSError as error:
        raise failed(folder, error) from None
    try:
        yield staging
        with signals_held():
            for path in sorted(staging.iterdir(), key=lambda p: p.name == last):
                os.replace(path, folder / path.name)
    except OSError as error:
        raise failed(folder, error) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def written_folder(folder):
    """A staging folder beside `folder` for what a tool writes there; when the block ends, it takes the place of
    `folder` (an earlier one removed), and on failure it goes and an earlier `folder` stays as it was."""
    folder = Path(folder)
    try:
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    except OSError as error:
        raise failed(folder, error) from None
    try:
        yield staging
        if not any(staging.iterdir()):
            return
        os.chmod(staging, 0o755)  # a temporary folder is private; the result is an ordinary one
        earlier = folder.with_name(f"{staging.name}.earlier")
        with signals_held():
            if folder.exists():
                os.replace(folder, earlier)
            try:
                os.replace(staging, folder)
            except OSError:
                if earlier.exists():
                    os.replace(earlier, folder)
                raise
        shutil.rmtree(earlier, ignore_errors=True)
    except OSError as error:
        raise failed(folder, error) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
