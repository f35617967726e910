"""Which process owns a turn in progress or a learner's lease, and whether it is still alive.

An owner is "<machine>:<pid>:<process mark>". The machine is the host name plus the PID
namespace (two containers on one host differ); the mark tells this process from an earlier
one that had the same pid (a restarted container). Liveness needs no coordinator: a lease that
was not renewed in time belongs to no one, and a process on this machine that has exited gives
up its leases at once (no need to wait for them to expire).
"""

from __future__ import annotations

import os
import socket
import uuid

# One per process (not per learner): tells this process's leases from a previous life's.
PROCESS_MARK = uuid.uuid4().hex[:12]


def machine_name() -> str:
    """This machine as other processes see it: host name plus PID namespace."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}{'/' + namespace if namespace else ''}"


def this_process() -> str:
    """The owner name of this process."""
    return f"{machine_name()}:{os.getpid()}:{PROCESS_MARK}"


def _parts(owner: str) -> tuple[str, str, str]:
    parts = owner.rsplit(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (owner, "", "")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to another user
        return True
    return True


def owner_alive(owner: str | None, lease_until: float | None, now: float, me: str) -> bool:
    """Whether a turn or lease still belongs to a live process, as seen by process `me`.

    Not alive: no owner (written before owners existed), a lease that expired, or an owner on
    this machine whose process has exited or was this very pid in a previous life.
    """
    if not owner or lease_until is None or lease_until < now:
        return False
    machine, pid, mark = _parts(owner)
    my_machine, my_pid, my_mark = _parts(me)
    if machine != my_machine or not pid.isdigit():
        return True
    if pid == my_pid:
        return mark == my_mark
    return _pid_alive(int(pid))
