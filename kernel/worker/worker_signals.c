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
 * waits, so that a frame is never cut in half. */
#include "worker.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
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
#define MAX_FRAMES 48

static sigjmp_buf cell_jump;
static volatile sig_atomic_t cell_running;
static volatile sig_atomic_t interrupt_pending;
static volatile sig_atomic_t protocol_depth;
static volatile sig_atomic_t forced_pending;

static struct {
    int signo, code;
    uintptr_t address, pc;
    void *frames[MAX_FRAMES];
    int frame_count;
    bool stack_overflow;
    int exit_status;
} fault;

static uintptr_t stack_top;
static size_t stack_limit;
/* Cells run on the main thread; the runtime's helper threads (OpenBLAS)
 * must never jump into its stack. */
static pid_t main_thread;
/* A cell may fork; only the worker itself returns to the worker loop. */
static pid_t worker_pid;

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
    fault.stack_overflow = signo == SIGSEGV && fault.address < stack_top &&
                           fault.address + stack_limit + (1u << 20) > stack_top &&
                           stack_top - fault.address > stack_limit - (1u << 16);
    fault.frame_count = backtrace(fault.frames, MAX_FRAMES);
    cell_running = 0;
    siglongjmp(cell_jump, CELL_FAULT);
}

static void on_interrupt(int signo)
{
    (void)signo;
    interrupt_pending = 1;
}

/* Where the cells' own code is: a forced unwind from there cannot leave a
 * libc lock (malloc's, stdio's) held.  Filled in outside signal context,
 * read by the handler. */
#define MAX_CODE_RANGES 8192
static struct {
    uintptr_t start, end;
} code_ranges[MAX_CODE_RANGES];
static volatile sig_atomic_t code_range_count;
/* Forced unwinds deferred because the cell was inside library code. */
#define MAX_DEFERRALS 3
static volatile sig_atomic_t deferrals;

static bool in_cell_code(uintptr_t pc)
{
    for (int i = 0; i < code_range_count; i++)
        if (pc >= code_ranges[i].start && pc < code_ranges[i].end)
            return true;
    return false;
}

static void note_segments(uintptr_t base, const ElfW(Phdr) *phdr, int count)
{
    for (int i = 0; i < count && code_range_count < MAX_CODE_RANGES; i++) {
        const ElfW(Phdr) *ph = &phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        int n = code_range_count;
        code_ranges[n].start = base + ph->p_vaddr;
        code_ranges[n].end = code_ranges[n].start + ph->p_memsz;
        code_range_count = n + 1;
    }
}

static int note_ranges(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    uintptr_t wanted = (uintptr_t)data;
    bool contains = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        contains |= ph->p_type == PT_LOAD && wanted >= start && wanted < start + ph->p_memsz;
    }
    if (contains)
        note_segments(info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum);
    return contains;
}

/* dl_iterate_phdr walks every loaded library, and after a long session
 * there are a thousand cells: glibc 2.36 gives the library's own program
 * headers at once. */
void worker_note_cell_code(void *handle, void *address)
{
#ifdef __GLIBC__
#if __GLIBC_PREREQ(2, 36)
    const ElfW(Phdr) *phdr = NULL;
    struct link_map *map = NULL;
    int count = dlinfo(handle, RTLD_DI_PHDR, &phdr);
    if (count > 0 && phdr && dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map) {
        note_segments(map->l_addr, phdr, count);
        return;
    }
#endif
#endif
    dl_iterate_phdr(note_ranges, address);
}

/* The ranges are only read by the interrupt handler while a cell runs;
 * no cell runs while a library is unloaded. */
void worker_forget_cell_code(void *address)
{
    uintptr_t pc = (uintptr_t)address;
    int n = code_range_count;
    for (int i = 0; i < n; i++)
        if (pc >= code_ranges[i].start && pc < code_ranges[i].end) {
            code_ranges[i] = code_ranges[n - 1];
            code_range_count = n - 1;
            return;
        }
}

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
    if (!in_cell_code(context_pc(context)) && deferrals < MAX_DEFERRALS) {
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

CellEnd worker_run_protected(void (*function)(void))
{
    volatile int marker = 0;
    stack_top = (uintptr_t)&marker;
    arm();
    memset(&fault, 0, sizeof fault);
    worker_errors_reset();
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

static char *fault_description(void)
{
    char *text = NULL;
    int rc = -1;
    switch (fault.signo) {
    case SIGSEGV:
        if (fault.stack_overflow)
            rc = asprintf(&text, "stack overflow (endless recursion?): the cell used up its %zu MiB stack",
                          stack_limit >> 20);
        else if (fault.address < 4096)
            rc = asprintf(&text, "segmentation fault: NULL pointer dereference (address 0x%jx)",
                          (uintmax_t)fault.address);
        else
            rc = asprintf(&text, "segmentation fault: invalid memory access at address 0x%jx",
                          (uintmax_t)fault.address);
        break;
    case SIGFPE:
        rc = asprintf(&text, "arithmetic error: %s",
                      fault.code == FPE_INTDIV ? "integer division by zero"
                      : fault.code == FPE_INTOVF ? "integer overflow"
                      : fault.code == FPE_FLTDIV ? "floating-point division by zero"
                      : "floating-point exception");
        break;
    case SIGBUS:
        rc = asprintf(&text, "bus error: misaligned or unmapped memory at address 0x%jx",
                      (uintmax_t)fault.address);
        break;
    case SIGILL:
        rc = asprintf(&text, "illegal instruction (__builtin_trap() or undefined behaviour)");
        break;
    case SIGABRT:
        rc = asprintf(&text, "abort() was called (a failed assert() prints why above)");
        break;
    default:
        rc = asprintf(&text, "%s", strsignal(fault.signo));
        break;
    }
    return rc < 0 ? NULL : text;
}

/* _FORTIFY_SOURCE's checks end in abort() through __chk_fail; the frames
 * say so (read outside the handler: dladdr is not async-signal-safe). */
static bool fortify_failed(void)
{
    for (int i = 0; fault.signo == SIGABRT && i < fault.frame_count; i++) {
        Dl_info info;
        if (dladdr(fault.frames[i], &info) && info.dli_sname &&
            (strcmp(info.dli_sname, "__chk_fail") == 0 || strcmp(info.dli_sname, "__fortify_fail") == 0))
            return true;
    }
    return false;
}

/* The first frame inside a cell library: where the cell was when it failed. */
static void add_location(json_t *done)
{
    for (int i = 0; i < fault.frame_count; i++) {
        uintptr_t address = (uintptr_t)fault.frames[i];
        Dl_info info;
        if (!dladdr((void *)address, &info) || !info.dli_fname || !strstr(info.dli_fname, "/cell_"))
            continue;
        /* Return addresses point after the call; the faulting pc does not. */
        uintptr_t offset = address - (uintptr_t)info.dli_fbase - (address == fault.pc ? 0 : 1);
        json_object_set_new(done, "library", json_string(info.dli_fname));
        json_object_set_new(done, "offset", json_integer((json_int_t)offset));
        if (info.dli_sname)
            json_object_set_new(done, "symbol", json_string(info.dli_sname));
        return;
    }
}

void worker_describe_end(CellEnd end, json_t *done)
{
    char *value = NULL;
    char name[32] = "Error";
    switch (end) {
    case CELL_OK:
        return;
    case CELL_EXIT:
        snprintf(name, sizeof name, "SystemExit");
        if (asprintf(&value, "exit(%d) was called in the cell; the kernel keeps running and "
                             "keeps its state", fault.exit_status) < 0)
            value = NULL;
        break;
    case CELL_RUNTIME_ERROR:
        worker_errors_describe(done);
        return;
    case CELL_INTERRUPT:
        snprintf(name, sizeof name, "KeyboardInterrupt");
        value = strdup("the cell was interrupted");
        break;
    case CELL_FAULT: {
        const char *abbrev = sigabbrev_np(fault.signo);
        bool overflow = fortify_failed();
        if (fault.stack_overflow)
            snprintf(name, sizeof name, "StackOverflow");
        else if (overflow)
            snprintf(name, sizeof name, "BufferOverflow");
        else
            snprintf(name, sizeof name, "SIG%s", abbrev ? abbrev : "UNKNOWN");
        value = overflow ? strdup("buffer overflow: a library call (strcpy, memcpy, sprintf...) "
                                  "would have written past the end of its destination")
                         : fault_description();
        add_location(done);
        break;
    }
    }
    json_object_set_new(done, "ename", json_string(name));
    json_object_set_new(done, "evalue", json_string(value ? value : ""));
    free(value);
}
