// SPDX-License-Identifier: BSD-3-Clause
/* The kernel's logos, built into the executable so that `cnb-kernel
 * install` needs no other file.  Drawn by resources/draw-logos.c. */
#ifndef CNB_FRONT_LOGOS_H
#define CNB_FRONT_LOGOS_H

#include <stddef.h>

typedef struct Logo {
    const char *file_name;       /* as a kernelspec names it: logo-32x32.png, ... */
    const unsigned char *data;
    size_t size;
} Logo;

/* The logos; *count is set to their number. */
const Logo *kernel_logos(size_t *count);

#endif
