// SPDX-License-Identifier: BSD-3-Clause
/* Crash-proof cells: faults are caught on an alternate signal stack (so a
 * stack overflow can be caught too) and the worker siglongjmps back to the
 * point before the cell was called.  The cell's earlier effects stay, and
 * so does every earlier cell's state.
 *
 * Interrupts come in two steps: SIGINT sets a flag that runtime loops poll
 * (cnb_check_interrupt), so they stop cleanly between batches; if the cell
 * is still running after a grace period, the interpreter sends SIGUSR1 and
 * the handler unwinds the cell from wherever it is (a tight `while (1);`),
 * preferably from the cell's own code rather than from inside libc.
 * While the worker is in the middle of protocol traffic the forced unwind
 * waits, so that a frame is never cut in half.  Where the cells' code is
 * lives in worker_code_ranges.c; how the cell ended is told in
 * worker_cell_end.c. */
#include "worker.h"

#include <execinfo.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#define ALT_STACK_SIZE (256 * 1024)

static sigjmp_buf cell_jump;
static volatile sig_atomic_t cell_running;
static volatile sig_atomic_t interrupt_pending;
static volatile sig_atomic_t protocol_depth;
static volatile sig_atomic_t forced_pending;

static WorkerFault fault;

static uintptr_t stack_top;
static size_t stack_limit;
/* Cells run on the main thread; the runtime's helper threads (OpenBLAS)
 * must never jump into its stack. */
static pid_t main_thread;
/* A cell may fork; only the worker itself returns to the worker loop. */
static pid_t worker_pid;

const WorkerFault *worker_last_fault(void)
{
    return &fault;
}

static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};

static uintptr_t context_pc(void *context)
{
    ucontext_t *uc = context;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

static void on_fault(int signo, siginfo_t *info, void *context)
{
    if (!cell_running || gettid() != main_thread || getpid() != worker_pid) {
        /* Not the cell's fault: die as the signal says, the interpreter
         * will report it and start a fresh worker. */
        signal(signo, SIG_DFL);
        raise(signo);
        return;
    }
    fault.signo = signo;
    fault.code = info->si_code;
    fault.address = (uintptr_t)info->si_addr;
    fault.pc = context_pc(context);
    fault.stack_limit = stack_limit;
    fault.stack_overflow = signo == SIGSEGV && fault.address < stack_top &&
                           fault.address + stack_limit + (1u << 20) > stack_top &&
                           stack_top - fault.address > stack_limit - (1u << 16);
    fault.frame_count = backtrace(fault.frames, WORKER_MAX_FRAMES);
    cell_running = 0;
    siglongjmp(cell_jump, CELL_FAULT);
}

static void on_interrupt(int signo)
{
    (void)signo;
    interrupt_pending = 1;
}

/* Forced unwinds deferred because the cell was inside library code. */
#define MAX_DEFERRALS 3
static volatile sig_atomic_t deferrals;

static void on_force(int signo, siginfo_t *info, void *context)
{
    (void)info;
    /* A signal sent to the process may land on any thread: pass it on. */
    if (gettid() != main_thread) {
        tgkill(getpid(), main_thread, signo);
        return;
    }
    if (!cell_running || !interrupt_pending)
        return;
    if (protocol_depth > 0) {
        forced_pending = 1;
        return;
    }
    /* Inside libc (malloc, printf) the unwind could leave a lock held:
     * wait for the next signal, a few times, hoping to catch the cell in
     * its own code. */
    if (!worker_in_cell_code(context_pc(context)) && deferrals < MAX_DEFERRALS) {
        deferrals++;
        return;
    }
    cell_running = 0;
    siglongjmp(cell_jump, CELL_INTERRUPT);
}

static void *alt_stack;

/* Handlers and mask as the worker needs them; re-done before every cell,
 * since a cell may have installed its own handlers or blocked signals. */
static void arm(void)
{
    if (alt_stack) {
        stack_t alt = {.ss_sp = alt_stack, .ss_size = ALT_STACK_SIZE};
        sigaltstack(&alt, NULL);
    }
    struct sigaction action = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++)
        sigaction(fault_signals[i], &action, NULL);
    struct sigaction interrupt = {.sa_handler = on_interrupt, .sa_flags = SA_RESTART};
    sigemptyset(&interrupt.sa_mask);
    sigaction(SIGINT, &interrupt, NULL);
    struct sigaction force = {.sa_sigaction = on_force, .sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK};
    sigemptyset(&force.sa_mask);
    sigaction(SIGUSR1, &force, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t ours;
    sigemptyset(&ours);
    for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++)
        sigaddset(&ours, fault_signals[i]);
    sigaddset(&ours, SIGINT);
    sigaddset(&ours, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &ours, NULL);
}

void worker_signals_install(void)
{
    main_thread = gettid();
    worker_pid = getpid();
    alt_stack = malloc(ALT_STACK_SIZE);
    arm();
    /* backtrace() loads libgcc on first use; do it now, not in a handler. */
    void *warm[2];
    backtrace(warm, 2);
    struct rlimit limit;
    stack_limit = getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                      ? (size_t)limit.rlim_cur : (size_t)8 << 20;
}

void worker_signals_adopt(void)
{
    main_thread = gettid();
    worker_pid = getpid();
}

CellEnd worker_run_protected(void (*function)(void))
{
    volatile int marker = 0;
    stack_top = (uintptr_t)&marker;
    arm();
    memset(&fault, 0, sizeof fault);
    interrupt_pending = 0;
    forced_pending = 0;
    deferrals = 0;
    protocol_depth = 0;
    int why = sigsetjmp(cell_jump, 1);
    if (why == 0) {
        cell_running = 1;
        function();
        if (getpid() != worker_pid)
            _exit(0);       /* a forked child that returned from the cell */
        cell_running = 0;
        return CELL_OK;
    }
    cell_running = 0;
    protocol_depth = 0;
    return (CellEnd)why;
}

_Noreturn void worker_unwind(CellEnd why, int status)
{
    if (getpid() != worker_pid)
        _exit(status);      /* a child the cell forked: it ends here */
    fault.exit_status = status;
    cell_running = 0;
    siglongjmp(cell_jump, why);
}

bool worker_cell_running(void)
{
    return cell_running;
}

bool worker_on_cell_thread(void)
{
    return gettid() == main_thread && getpid() == worker_pid;
}

bool worker_interrupt_pending(void)
{
    return interrupt_pending;
}

void worker_protocol_enter(void)
{
    protocol_depth++;
}

void worker_protocol_leave(void)
{
    if (protocol_depth > 0)
        protocol_depth--;
    if (protocol_depth == 0 && forced_pending && cell_running) {
        forced_pending = 0;
        worker_unwind(CELL_INTERRUPT, 0);
    }
}
