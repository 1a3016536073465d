// SPDX-License-Identifier: BSD-3-Clause
/* The registry of the cells' code ranges (see worker.h): the forced
 * interrupt (worker_signals.c) unwinds only from there. */
#include "worker.h"

#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>

/* Where the cells' own code is: a forced unwind from there cannot leave a
 * libc lock (malloc's, stdio's) held.  Filled in outside signal context,
 * read by the handler. */
#define MAX_CODE_RANGES 8192
static struct {
    uintptr_t start, end;
} code_ranges[MAX_CODE_RANGES];
static volatile sig_atomic_t code_range_count;
bool worker_in_cell_code(uintptr_t pc)
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
