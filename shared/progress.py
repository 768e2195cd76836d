"""What both training loops report as they go: the tutorials' loss lines, a progress bar, epoch
times, and a stop with the step's name when the loss stops being a number."""

import math
import time

from tqdm import tqdm

from shared.errors import UserError

LOG_EVERY = 4  # the tutorials printed every fourth step


class TrainingLog:
    def __init__(self, framework, epochs, steps_per_epoch, quiet=False):
        self.epochs = epochs
        self.step_losses, self.epoch_seconds = [], []
        self.bar = tqdm(total=epochs * steps_per_epoch, desc=f"train {framework}", unit="step",
                        disable=quiet, leave=False)
        self.quiet = quiet

    def start_epoch(self):
        self._start = time.perf_counter()

    def end_epoch(self, epoch, losses):
        """Stops the epoch clock once the losses are read back, so queued device work is counted."""
        losses = [float(loss) for loss in losses]
        self.epoch_seconds.append(time.perf_counter() - self._start)
        for step, loss in enumerate(losses, 1):
            if not math.isfinite(loss):
                self.bar.close()
                raise UserError(f"loss became {loss} at epoch {epoch + 1}, step {step}; "
                                f"try a smaller --lr or another --init")
            if not self.quiet and (step % LOG_EVERY == 0 or step == len(losses)):
                tqdm.write(f"Epoch [{epoch + 1}/{self.epochs}], Step [{step}/{len(losses)}], Loss: {loss:.4f}")
        self.step_losses.extend(losses)
        self.bar.update(len(losses))

    def close(self):
        self.bar.close()
