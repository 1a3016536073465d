// SPDX-License-Identifier: BSD-3-Clause
/* Where the files of MNIST-like datasets live, and how they get there. */
#ifndef CNB_DATA_DATASET_FILES_H
#define CNB_DATA_DATASET_FILES_H

#include <stdbool.h>

/* Where `make install` puts the data: configure's $(pkgdatadir)/data,
 * defined by runtime/data/sources.am. */
#ifndef CNB_DATADIR
#error "CNB_DATADIR comes from configure's pkgdatadir (runtime/data/sources.am)"
#endif

typedef struct DatasetFile {
    const char *name;           /* "train-images-idx3-ubyte" (no .gz) */
    const char *gz_md5;         /* MD5 of the official .gz */
    const char *content_md5;    /* MD5 of the uncompressed file */
} DatasetFile;

typedef struct DatasetSpec {
    const char *function;       /* reported in errors: "mnist" */
    const char *title;          /* "MNIST" */
    const char *folder;         /* torchvision's folder under root: "MNIST" */
    const char *package;        /* where the files come from, in words */
    const char *env_dir;        /* environment variable naming a folder with the files */
    const char *const *system_dirs;  /* NULL-terminated */
    const char *const *mirrors;      /* NULL-terminated base URLs */
    DatasetFile files[4];       /* train images, train labels, test images, test labels */
} DatasetSpec;

/* The path of name (or name.gz) under root: root/<folder>/raw/ first, then
 * root/ itself.  Newly allocated, or NULL if there is none. */
char *dataset_find_file(const DatasetSpec *spec, const char *root, const char *name);

/* Puts the named files into root/<folder>/raw/ (torchvision's layout): copied
 * from an installed or shipped copy if one has them, else downloaded from the
 * mirrors ($CNB_DATA_MIRROR first if set); either way checked against the
 * content MD5 first.  0 or -1. */
int dataset_fetch(const DatasetSpec *spec, const char *root, const DatasetFile *const *files,
                  int count);

/* Helpers shared with download.c. */
int dataset_make_dirs(const char *function, const char *path);
/* Uncompresses gz_path into path (temporary file, then rename). */
int dataset_extract_gz(const char *function, const char *gz_path, const char *path);
/* MD5 of a file's content (uncompressed if it is gzip), as 32 hex digits. */
int dataset_content_md5(const char *function, const char *path, char hex[33]);

/* Downloads url into path (temporary file, then rename), printing progress.
 * The file is kept only if its MD5 is gz_md5, or its uncompressed content's
 * MD5 is content_md5 (a mirror may compress differently). */
int download_file(const char *function, const char *url, const char *path,
                  const DatasetFile *file);

#endif
