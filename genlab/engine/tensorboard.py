"""TensorBoard scalars through tensorboard's own event writer: the same files on every backend,
with no TensorFlow needed to write them."""

from __future__ import annotations

import time
from pathlib import Path


class ScalarWriter:
    """Writes ``{tag: value}`` scalars per step to an ``events.out.tfevents.*`` file."""

    def __init__(self, folder):
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        Path(folder).mkdir(parents=True, exist_ok=True)
        self._writer = EventFileWriter(str(folder))

    def scalars(self, step: int, values: dict) -> None:
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary

        summary = Summary(
            value=[
                Summary.Value(tag=str(tag), simple_value=float(value))
                for tag, value in values.items()
                if isinstance(value, (int, float)) and not isinstance(value, bool)
            ]
        )
        self._writer.add_event(Event(wall_time=time.time(), step=int(step), summary=summary))
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()
