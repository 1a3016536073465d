// SPDX-License-Identifier: BSD-3-Clause
/* Who hosts the runtime: the kernel's worker installs a CnbHost; a plain
 * program has none, so results are printed and nothing is interrupted.
 * Kept apart from host.c so that the error reporting (error.c), which asks
 * the host too, and the bundles it uses do not form a circle. */
#include "cnb/host.h"

#include <stddef.h>

static const CnbHost *current_host;

void cnb_set_host(const CnbHost *host)
{
    current_host = host;
}

const CnbHost *cnb_host(void)
{
    return current_host;
}

bool cnb_in_notebook(void)
{
    return current_host && current_host->in_notebook;
}
