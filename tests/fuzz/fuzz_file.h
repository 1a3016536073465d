// SPDX-License-Identifier: BSD-3-Clause
/* For the file-reader fuzz targets: the input becomes a file (a memfd, so
 * nothing touches the disk) that the reader opens by its path, and cnb's
 * error messages are recorded instead of printed (printing would be most of
 * the time spent), so the targets can check that every failure says why. */
#ifndef CNB_FUZZ_FILE_H
#define CNB_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* The path of a file that now holds exactly data[0..size). */
const char *fuzz_file(const uint8_t *data, size_t size);
/* The last cnb_error message since fuzz_error_clear ("" if none). */
const char *fuzz_error(void);
void fuzz_error_clear(void);

#endif
