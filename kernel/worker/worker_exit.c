// SPDX-License-Identifier: BSD-3-Clause
/* exit() inside a cell must not end the kernel.  Cells are linked with
 * -Wl,--wrap=exit (and _exit, _Exit, quick_exit), so their calls land
 * here, in the worker executable (exported by -rdynamic), which unwinds the
 * cell instead.  Calls from outside a running cell exit for real. */
#include "worker.h"

#include <stdlib.h>
#include <unistd.h>

_Noreturn void __wrap_exit(int status);
_Noreturn void __wrap__exit(int status);
_Noreturn void __wrap__Exit(int status);
_Noreturn void __wrap_quick_exit(int status);

_Noreturn void __wrap_exit(int status)
{
    if (worker_cell_running())
        worker_unwind(CELL_EXIT, status);
    exit(status);
}

_Noreturn void __wrap__exit(int status)
{
    if (worker_cell_running())
        worker_unwind(CELL_EXIT, status);
    _exit(status);
}

_Noreturn void __wrap__Exit(int status)
{
    __wrap__exit(status);
}

_Noreturn void __wrap_quick_exit(int status)
{
    if (worker_cell_running())
        worker_unwind(CELL_EXIT, status);
    quick_exit(status);
}
