"""One training run of either framework, from hyperparameters to a RunRecord.

The implementations are imported by name, so this package never imports a framework itself and
each framework is needed only when it is used.
"""

import ctypes
import importlib
import importlib.util
import multiprocessing
import os
import signal
import sys
import threading

from shared.errors import UserError
from shared.lab.files import STOPS
from shared.lab.quiet import quiet_stderr, verbose
from shared.lab.record import RunRecord, library_versions, machine_info
from shared.weights import initial_weights

PACKAGES = {"torch": "torch_impl", "tf": "tf_impl"}
MODULES = {"torch": "torch", "tf": "tensorflow"}  # what each imports, and installs, as


class Stopped(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP, raised where the program is: what finished is kept, what was being written is not
    (files.py), and the command exits 128 + the signal's number."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def stop_on_signals():
    """Ctrl-C, SIGTERM and SIGHUP raise Stopped from here on, the first of them only: the process is stopping, and
    a second (a terminal's Ctrl-C reaches a worker, then its parent passes one on) would cut short the clean-up the
    first started. Returns the handlers they had."""
    def stop(signum, _frame):
        for each in STOPS:
            signal.signal(each, signal.SIG_IGN)
        raise Stopped(signum)
    return {signum: signal.signal(signum, stop) for signum in STOPS}


def signal_of(stop):
    """The signal a KeyboardInterrupt or Stopped stands for."""
    return getattr(stop, "signum", signal.SIGINT)


def implementation(framework):
    """The torch_impl or tf_impl package, its speed forms (`.fast`) and its measuring (`.measure`) loaded with it,
    or a clear error when its framework is not installed. What the framework prints while it loads is kept off
    stderr (quiet.py)."""
    if framework == "tf" and not verbose():
        # TensorFlow's C++ runtime reads its log level once, as it loads: its information and warnings are hidden
        # from then on, its errors still reach the user.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        with quiet_stderr():
            package = importlib.import_module(PACKAGES[framework])
            for part in ("fast", "measure"):
                importlib.import_module(f"{PACKAGES[framework]}.{part}")
        return package
    except ImportError as error:
        raise UserError(f"--framework {framework} needs {MODULES[framework]}, which does not import here "
                        f"({error})") from None


def installed_frameworks():
    """The frameworks whose library is installed here, without importing them."""
    return [framework for framework, module in MODULES.items() if importlib.util.find_spec(module)]


def run(framework, batches, hp, device="auto", threads=None, quiet=False):
    """Train `framework` on `batches` with `hp` (resolved for it); returns the RunRecord."""
    impl = implementation(framework)
    placed = impl.resolve_device(device)
    initial = initial_weights(hp.init, batches.features.vocab_size, hp.hidden, batches.n_classes, hp.seed)
    try:
        model, log = impl.train.train(batches, initial, hp, placed, quiet)  # the module's train()
    except Exception as error:  # noqa: BLE001 - each framework raises its own type for this
        if hp.deterministic and "determinis" in str(error).lower():
            first_line = str(error).strip().splitlines()[0]
            raise UserError(f"--deterministic: {framework} cannot run this deterministically on "
                            f"{impl.device_name(placed)} ({first_line})") from None
        raise
    accuracy = impl.evaluate(model, batches, placed)
    return RunRecord(
        framework=framework, recipe=hp.recipe, input=hp.form, init=hp.init, seed=hp.seed, epochs=hp.epochs,
        batch_size=hp.batch_size, hidden=hp.hidden, lr=hp.lr, adam_eps=hp.adam_eps, dropout=hp.dropout,
        step=hp.step, deterministic=hp.deterministic,
        categories=list(batches.categories), remove=list(hp.remove),
        evaluated_on=f"validation {hp.validation:g} of train" if hp.validation else "test", vocab_size=batches.features.vocab_size,
        train_docs=len(batches.train_labels), test_docs=len(batches.test_labels),
        device=impl.device_name(placed), threads=threads, versions=library_versions(impl.versions()),
        step_losses=log.step_losses, epoch_seconds=log.epoch_seconds, train_seconds=sum(log.epoch_seconds),
        test_accuracy=accuracy, machine=machine_info())


def in_a_process_of_its_own(function, *args, name="a"):
    """function(*args) in a fresh interpreter, waited for. Each run of compare gets one: TensorFlow keeps the
    memory a run took (its CPU allocator's pool) until its process ends, and a little more each run, so in
    one process the peak would grow with the seeds, and PyTorch's would add to it. A fresh process also
    starts every run alike. The worker reports an error in its own one line, and this one exits 1; a worker
    killed by a signal (the kernel's out-of-memory killer sends SIGKILL) is a UserError naming the run `name`."""
    worker = multiprocessing.get_context("spawn").Process(target=worker_main, args=(os.getpid(), function, *args))
    # A Ctrl-C or SIGTERM while the worker starts (forking it, then writing its arguments to it, until it has read
    # them) is noted and acted on once it has started: raised in the middle, it would leave the worker running on
    # with no one to stop it. (The worker gets its own handlers again: a caught signal is reset at exec.)
    noted = []
    previous = {signum: signal.signal(signum, lambda signum, _: noted.append(signum))
                for signum in STOPS}
    try:
        worker.start()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    try:
        if noted:
            raise Stopped(noted[0])
        worker.join()
    except KeyboardInterrupt as stop:  # a Ctrl-C at a terminal reaches the worker too; a signal to this process alone does not
        if worker.exitcode is None:
            os.kill(worker.pid, signal_of(stop))
            worker.join(30)
            if worker.exitcode is None:  # deaf to it, deep in a framework's own code
                worker.kill()
                worker.join()
        raise
    # a stop that reached the worker alone, before or after its handlers were set
    if worker.exitcode in [128 + s for s in STOPS] + [-s for s in STOPS]:
        raise Stopped(abs(worker.exitcode) % 128)
    if worker.exitcode < 0:
        killer = signal.Signals(-worker.exitcode).name
        raise UserError(f"{name} run's process was killed by {killer}" + (" (out of memory?)" if killer == "SIGKILL" else ""))
    if worker.exitcode:
        raise SystemExit(1)


def die_with(parent):
    """End this process when `parent` ends, however it ends (SIGKILL included), so no run goes on writing records
    after its command has exited: Linux's parent-death signal, elsewhere a thread that watches for it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        def watch():
            while os.getppid() == parent:
                threading.Event().wait(0.5)
            os._exit(1)
        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


def worker_main(parent, function, *args):
    die_with(parent)
    stop_on_signals()
    try:
        function(*args)
    except UserError as error:
        print(f"newsgroups-mlp: error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt as stop:
        sys.exit(128 + signal_of(stop))
    finally:
        sys.stdout.flush()  # a worker process ends without flushing what it printed
