// SPDX-License-Identifier: BSD-3-Clause
/* GOT entries of the cell libraries rewritten to a function's newest
 * version (see worker_rebind.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "worker_rebind.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SLOT_RELOCATION(type) ((type) == R_X86_64_JUMP_SLOT || (type) == R_X86_64_GLOB_DAT)
#elif defined(__aarch64__)
#define SLOT_RELOCATION(type) ((type) == R_AARCH64_JUMP_SLOT || (type) == R_AARCH64_GLOB_DAT)
#endif

static struct link_map **tracked;
static size_t n_tracked, cap_tracked;

void worker_rebind_track(void *handle)
{
    struct link_map *map = NULL;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map)
        return;
    if (n_tracked == cap_tracked) {
        size_t cap = cap_tracked ? 2 * cap_tracked : 64;
        struct link_map **grown = realloc(tracked, cap * sizeof *grown);
        if (!grown)
            return;
        tracked = grown;
        cap_tracked = cap;
    }
    tracked[n_tracked++] = map;
}

void worker_rebind_untrack(void *handle)
{
    struct link_map *map = NULL;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map)
        return;
    for (size_t i = 0; i < n_tracked; i++)
        if (tracked[i] == map) {
            memmove(&tracked[i], &tracked[i + 1], (n_tracked - i - 1) * sizeof *tracked);
            n_tracked--;
            return;
        }
}

#ifdef SLOT_RELOCATION

/* The tables of one loaded library.  glibc relocates the dynamic section's
 * addresses in place on most platforms, but not on all: an address below
 * the load base is still relative. */
typedef struct Tables {
    const ElfW(Sym) *symbols;
    const char *strings;
    const ElfW(Rela) *rela, *plt;
    size_t rela_size, plt_size;
} Tables;

static const void *absolute(const struct link_map *map, ElfW(Addr) address)
{
    return (const void *)(address < map->l_addr ? address + map->l_addr : address);
}

static Tables tables_of(const struct link_map *map)
{
    Tables t = {0};
    for (const ElfW(Dyn) *d = map->l_ld; d && d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB: t.symbols = absolute(map, d->d_un.d_ptr); break;
        case DT_STRTAB: t.strings = absolute(map, d->d_un.d_ptr); break;
        case DT_RELA: t.rela = absolute(map, d->d_un.d_ptr); break;
        case DT_RELASZ: t.rela_size = d->d_un.d_val; break;
        case DT_JMPREL: t.plt = absolute(map, d->d_un.d_ptr); break;
        case DT_PLTRELSZ: t.plt_size = d->d_un.d_val; break;
        default: break;
        }
    }
    return t;
}

static bool named(const char *name, const char *const *from, size_t n_from)
{
    for (size_t i = 0; i < n_from; i++)
        if (strcmp(name, from[i]) == 0)
            return true;
    return false;
}

/* RELRO may have made the entry's page read-only after loading. */
static bool store(void **slot, void *target)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)slot & ~((uintptr_t)page - 1);
    if (mprotect((void *)start, (size_t)page, PROT_READ | PROT_WRITE) != 0)
        return false;
    __atomic_store_n(slot, target, __ATOMIC_RELEASE);
    return true;
}

static int rebind_table(const struct link_map *map, const Tables *t, const ElfW(Rela) *rela,
                        size_t size, const char *const *from, size_t n_from, void *target)
{
    int changed = 0;
    for (size_t i = 0; rela && i < size / sizeof *rela; i++) {
        ElfW(Xword) type = ELF64_R_TYPE(rela[i].r_info), index = ELF64_R_SYM(rela[i].r_info);
        if (!SLOT_RELOCATION(type) || index == 0)
            continue;
        if (!named(t->strings + t->symbols[index].st_name, from, n_from))
            continue;
        if (store((void **)(map->l_addr + rela[i].r_offset), target))
            changed++;
    }
    return changed;
}

static bool refers(const Tables *t, const ElfW(Rela) *rela, size_t size, const char *const *from,
                   size_t n_from)
{
    for (size_t i = 0; rela && i < size / sizeof *rela; i++) {
        ElfW(Xword) index = ELF64_R_SYM(rela[i].r_info);
        if (index && named(t->strings + t->symbols[index].st_name, from, n_from))
            return true;
    }
    return false;
}

size_t worker_referring_cells(const char *const *from, size_t n_from, int *cells, size_t max)
{
    size_t found = 0;
    for (size_t i = 0; i < n_tracked && found < max; i++) {
        Tables t = tables_of(tracked[i]);
        const char *base = tracked[i]->l_name ? strrchr(tracked[i]->l_name, '/') : NULL;
        int cell;
        if (!t.symbols || !t.strings || !base || sscanf(base, "/cell_%d.so", &cell) != 1)
            continue;
        if (refers(&t, t.rela, t.rela_size, from, n_from) || refers(&t, t.plt, t.plt_size, from, n_from))
            cells[found++] = cell;
    }
    return found;
}

int worker_rebind(const char *const *from, size_t n_from, void *target)
{
    int changed = 0;
    for (size_t i = 0; i < n_tracked; i++) {
        Tables t = tables_of(tracked[i]);
        if (!t.symbols || !t.strings)
            continue;
        changed += rebind_table(tracked[i], &t, t.rela, t.rela_size, from, n_from, target);
        changed += rebind_table(tracked[i], &t, t.plt, t.plt_size, from, n_from, target);
    }
    return changed;
}

#else

size_t worker_referring_cells(const char *const *from, size_t n_from, int *cells, size_t max)
{
    (void)from;
    (void)n_from;
    (void)cells;
    (void)max;
    return 0;
}

int worker_rebind(const char *const *from, size_t n_from, void *target)
{
    (void)from;
    (void)n_from;
    (void)target;
    return -1;
}

#endif
