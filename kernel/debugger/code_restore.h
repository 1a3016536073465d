// SPDX-License-Identifier: BSD-3-Clause
/* What a debugger that died leaves in its debuggee: its breakpoints, int3
 * instructions written into the code (lldb's own in the dynamic loader
 * too, which the next dlopen of a cell would hit).  Without a tracer, the
 * worker would die of SIGTRAP there.  The code of every file-backed
 * executable mapping is put back from its file, through /proc/PID/mem
 * (the front is the worker's parent, so it may write there). */
#ifndef CNB_DEBUGGER_CODE_RESTORE_H
#define CNB_DEBUGGER_CODE_RESTORE_H

#include <stdbool.h>
#include <sys/types.h>

/* Waits (at most timeout_ms) until pid has no tracer; false if it still has. */
bool code_restore_wait_untraced(pid_t pid, int timeout_ms);

/* Restores pid's executable file mappings from their files: the number of
 * bytes that differed and were written back, or -1 when the process's
 * maps or memory could not be read. */
long code_restore(pid_t pid);

#endif
