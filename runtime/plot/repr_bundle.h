/* Shared steps of the trailing-expression representations. */
#ifndef CNB_PLOT_REPR_BUNDLE_H
#define CNB_PLOT_REPR_BUNDLE_H

#include "cnb/host.h"

/* A bundle with text/plain and, if html is not NULL, text/html; takes
 * ownership of both strings (they are malloc'd, e.g. by open_memstream). */
CnbBundle *repr_bundle(char *plain, char *html);

#endif
