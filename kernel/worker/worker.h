// SPDX-License-Identifier: BSD-3-Clause
/* Internals of the worker process (`cnb-kernel --worker`): it loads each
 * compiled cell with dlopen and runs it, guarded against faults, exit()
 * and interrupts, and talks to the interpreter over fd 3 (frame.h). */
#ifndef CNB_WORKER_WORKER_H
#define CNB_WORKER_WORKER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a cell's run ended. */
typedef enum CellEnd { CELL_OK = 0, CELL_FAULT, CELL_EXIT, CELL_INTERRUPT, CELL_RUNTIME_ERROR } CellEnd;

/* What the fault handler saw (read after the cell has been unwound). */
#define WORKER_MAX_FRAMES 48
typedef struct WorkerFault {
    int signo, code;
    uintptr_t address, pc;
    void *frames[WORKER_MAX_FRAMES];
    int frame_count;
    bool stack_overflow;
    size_t stack_limit;
    int exit_status;
} WorkerFault;

/* worker_signals.c: faults (SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGABRT, stack
 * overflow) and interrupts (SIGINT asks, SIGUSR1 forces) during a cell. */
void worker_signals_install(void);
CellEnd worker_run_protected(void (*function)(void));
/* A snapshot that takes over is the worker now: its pid and thread are
 * the ones cells run in. */
void worker_signals_adopt(void);
const WorkerFault *worker_last_fault(void);

/* worker_code_ranges.c: where the cells' own code is.  Remembers the code
 * of the library handle (dlopen's), which holds address, as cell code. */
void worker_note_cell_code(void *handle, void *address);
/* Forgets it again (the library is about to be unloaded). */
void worker_forget_cell_code(void *address);
/* Async-signal-safe: the forced interrupt's handler asks. */
bool worker_in_cell_code(uintptr_t pc);
/* Leaves the running cell from ordinary code (exit(), check_interrupt). */
_Noreturn void worker_unwind(CellEnd why, int status);
bool worker_cell_running(void);
/* True on the thread (and in the process) that runs cells. */
bool worker_on_cell_thread(void);
bool worker_interrupt_pending(void);
/* Around protocol traffic: a forced interrupt waits until it is over. */
void worker_protocol_enter(void);
void worker_protocol_leave(void);

/* worker_cell_end.c: adds ename, evalue and, for faults, the location to a
 * "done" message. */
void worker_describe_end(CellEnd end, json_t *done);
/* Whether the cell's fault was an abort() by glibc's allocator (it found
 * the heap damaged: a double free, a write past a block). */
bool worker_fault_in_allocator(void);
/* Reports a heap the cell damaged (heap_check.h) in a "done" frame built
 * without malloc, and ends the worker. */
_Noreturn void worker_heap_damaged(const char *why);

/* worker_errors.c: a failing runtime call ends the cell (CnbHost's
 * runtime_error); the error's kind, message and cell line for "done". */
bool worker_runtime_error(const char *kind, const char *message, void **return_slot);
void worker_errors_reset(void);
void worker_errors_describe(json_t *done);

/* worker_channel.c: sends a frame to the interpreter after flushing stdout and
 * stderr, so that the output printed before it arrives first; 0 or -1. */
int worker_send(json_t *message);
json_t *worker_receive(void);

/* worker_host.c: the CnbHost that turns runtime displays into frames. */
void worker_host_install(void);

/* worker_stdin.c: stdin whose reads become input requests. */
int worker_stdin_install(void);
void worker_stdin_reset(void);

#endif
