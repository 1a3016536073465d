// SPDX-License-Identifier: BSD-3-Clause
/* kernelspec installation (see kernelspec_install.h). */
#include "kernelspec_install.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jupyter_paths.h"
#include "logos.h"

json_t *kernelspec_json(const char *kernel_path)
{
    /* interrupt_mode "message": interrupt_request on control reaches the
     * front, which interrupts the worker; SIGINT works as well. */
    return json_pack("{s:[s, s, s], s:s, s:s, s:s, s:{s:b}}", "argv", kernel_path, "-f",
                     "{connection_file}", "display_name", "C (cnb)", "language", "c",
                     "interrupt_mode", "message", "metadata", "debugger", 1);
}

static int write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "wb");
    if (!file) {
        fprintf(stderr, "cnb-kernel: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t written = fwrite(data, 1, size, file);
    int rc = (fclose(file) == 0 && written == size) ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "cnb-kernel: cannot write %s\n", path);
    return rc;
}

/* Both from configure: $(datadir)/cnb and $(datadir)/jupyter (kernel/Makefile.am). */
#if !defined CNB_DATA_DIR || !defined CNB_JUPYTER_DIR
#error "CNB_DATA_DIR and CNB_JUPYTER_DIR come from configure's datadir"
#endif

/* Help -> "cnb runtime API" opens this page; without it the kernel still
 * works, so a missing page is only a note. */
static void copy_reference_page(const char *dir)
{
    const char *from = CNB_DATA_DIR "/" CNB_REFERENCE_PAGE;
    FILE *file = fopen(from, "rb");
    char *data = NULL;
    size_t size = 0;
    if (file) {
        FILE *out = open_memstream(&data, &size);
        char chunk[8192];
        size_t n;
        while (out && (n = fread(chunk, 1, sizeof chunk, file)) > 0)
            fwrite(chunk, 1, n, out);
        if (out)
            fclose(out);
        fclose(file);
    }
    if (data && size > 0)
        write_file(dir, CNB_REFERENCE_PAGE, data, size);
    else
        fprintf(stderr, "cnb-kernel: note: %s is not installed (make install puts it there); "
                        "the Help menu's runtime page will be missing\n", from);
    free(data);
}

int kernelspec_write(const char *dir, const char *kernel_path)
{
    if (make_dirs(dir, 0755) < 0) {
        fprintf(stderr, "cnb-kernel: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    json_t *spec = kernelspec_json(kernel_path);
    char *text = spec ? json_dumps(spec, JSON_INDENT(1)) : NULL;
    json_decref(spec);
    int rc = text ? write_file(dir, "kernel.json", text, strlen(text)) : -1;
    free(text);
    size_t count;
    const Logo *logos = kernel_logos(&count);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = write_file(dir, logos[i].file_name, logos[i].data, logos[i].size);
    if (rc == 0)
        copy_reference_page(dir);
    return rc;
}

/* The prefix of the Python environment Jupyter runs in (sys.prefix). */
static char *python_prefix(void)
{
    const char *env = getenv("CONDA_PREFIX");
    if (!env || !*env)
        env = getenv("VIRTUAL_ENV");
    if (env && *env)
        return strdup(env);
    FILE *pipe = popen("python3 -c 'import sys; print(sys.prefix)' 2>/dev/null", "r");
    char line[PATH_MAX] = "";
    if (pipe) {
        if (!fgets(line, sizeof line, pipe))
            line[0] = '\0';
        pclose(pipe);
    }
    line[strcspn(line, "\n")] = '\0';
    return strdup(*line ? line : "/usr");
}

/* In a build tree the binary runs as .libs/[lt-]cnb-kernel behind libtool's
 * wrapper script, which sets up the library path: name the wrapper. */
static void prefer_libtool_wrapper(char *self, size_t size)
{
    char *slash = strrchr(self, '/');
    if (!slash || slash - self < 6 || strncmp(slash - 6, "/.libs", 6) != 0)
        return;
    const char *name = slash + 1;
    if (strncmp(name, "lt-", 3) == 0)
        name += 3;
    char wrapper[PATH_MAX];
    snprintf(wrapper, sizeof wrapper, "%.*s/%s", (int)(slash - 6 - self), self, name);
    if (access(wrapper, X_OK) == 0)
        snprintf(self, size, "%s", wrapper);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: cnb-kernel install [--user | --sys-prefix | --prefix PREFIX]\n"
                 "  (default: this installation's " CNB_JUPYTER_DIR "/kernels/cnb)\n");
}

static char *target_dir(int argc, char **argv)
{
    char *base = NULL, *dir = NULL;
    if (argc == 1) {
        base = strdup(CNB_JUPYTER_DIR);
    } else if (argc == 2 && strcmp(argv[1], "--user") == 0) {
        base = jupyter_data_dir();
    } else if (argc == 2 && strcmp(argv[1], "--sys-prefix") == 0) {
        char *prefix = python_prefix();
        if (prefix && asprintf(&base, "%s/share/jupyter", prefix) < 0)
            base = NULL;
        free(prefix);
    } else if (argc == 3 && strcmp(argv[1], "--prefix") == 0) {
        if (asprintf(&base, "%s/share/jupyter", argv[2]) < 0)
            base = NULL;
    } else {
        return NULL;
    }
    if (base && asprintf(&dir, "%s/kernels/cnb", base) < 0)
        dir = NULL;
    free(base);
    return dir;
}

int kernelspec_install_main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    char *dir = target_dir(argc, argv);
    if (!dir) {
        usage(stderr);
        return 2;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "cnb-kernel: cannot find my own path\n");
        free(dir);
        return 1;
    }
    self[n] = '\0';
    prefer_libtool_wrapper(self, sizeof self);
    int rc = kernelspec_write(dir, self);
    if (rc == 0)
        printf("Installed kernelspec cnb in %s\n", dir);
    free(dir);
    return rc == 0 ? 0 : 1;
}
