"""A quiet start: what a framework's C++ libraries print to stderr while they load, kept out of the
project's output unless NEWSGROUPS_VERBOSE is set.

TensorFlow writes its start-up lines (an absl notice, oneDNN, a failed CUDA probe on a machine
without a GPU) to file descriptor 2 from C++, before its own log level is read, so Python's
sys.stderr cannot catch them: the descriptor itself is pointed at a temporary file while the
library loads. Where loading fails, what was caught is written back before the error surfaces.
"""

import os
import sys
import tempfile
from contextlib import contextmanager

VERBOSE_ENV = "NEWSGROUPS_VERBOSE"


def verbose():
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


@contextmanager
def quiet_stderr():
    """File descriptor 2 goes to a temporary file inside the block (nowhere new when verbose)."""
    if verbose():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            caught.seek(0)
            os.write(2, caught.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
