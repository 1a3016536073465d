// SPDX-License-Identifier: BSD-3-Clause
/* `cnb-kernel install`: writes the kernelspec (kernel.json and the logos)
 * where Jupyter looks for kernels, as `jupyter kernelspec install` and
 * `python -m ipykernel install` do. */
#ifndef CNB_FRONT_KERNELSPEC_INSTALL_H
#define CNB_FRONT_KERNELSPEC_INSTALL_H

#include <jansson.h>

/* The runtime's reference page, next to kernel.json (kernelspec/runtime-api-html
 * makes it; make install puts a copy in CNB_DATA_DIR for `cnb-kernel install`). */
#define CNB_REFERENCE_PAGE "runtime-api.html"

/* The kernel.json object for a kernel binary at kernel_path. */
json_t *kernelspec_json(const char *kernel_path);
/* Writes kernel.json, the logos and the reference page into dir (created). */
int kernelspec_write(const char *dir, const char *kernel_path);
/* Entry point for `cnb-kernel install [--user|--sys-prefix|--prefix P]`;
 * argv[0] is "install".  Returns the exit status. */
int kernelspec_install_main(int argc, char **argv);

#endif
