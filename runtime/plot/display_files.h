// SPDX-License-Identifier: BSD-3-Clause
/* Display data in a plain program: pictures become files, text is printed. */
#ifndef CNB_PLOT_DISPLAY_FILES_H
#define CNB_PLOT_DISPLAY_FILES_H

#include "cnb/host.h"

/* Saves image/png or image/svg+xml as <id>.png / cnb-display-N.png in
 * $CNB_DISPLAY_DIR (default: the current directory) and prints the text
 * form (text/plain, else text/markdown, else text/html) to stdout. */
int display_without_host(const CnbBundle *bundle, const char *id);

#endif
