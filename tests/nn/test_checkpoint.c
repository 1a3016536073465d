// SPDX-License-Identifier: BSD-3-Clause
/* Checkpoints: safetensors layout, round trip, atomic replacement, and
 * clear errors (model unchanged) for mismatched, truncated or corrupt files. */
#include "cnb.h"
#include "tap.h"

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static const char *path_in_dir(const char *name)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    fseek(in, 0, SEEK_SET);
    unsigned char *bytes = malloc((size_t)n + 1);
    *size = fread(bytes, 1, (size_t)n, in);
    fclose(in);
    return bytes;
}

static void write_all(const char *path, const void *bytes, size_t size)
{
    FILE *out = fopen(path, "wb");
    fwrite(bytes, 1, size, out);
    fclose(out);
}

static Model *mlp(uint64_t seed)
{
    manual_seed(seed);
    return sequential(flatten(), linear(6, 5), relu(), linear(5, 3));
}

/* Sum of |a - b| over all parameters of two models of the same shape. */
static double distance(Model *a, Model *b)
{
    double d = 0;
    for (int p = 0; p < model_parameter_tensors(a); p++) {
        Tensor *x = model_parameter(a, p, NULL), *y = model_parameter(b, p, NULL);
        for (size_t i = 0; i < tensor_numel(x); i++)
            d += fabs(tensor_cdata(x)[i] - tensor_cdata(y)[i]);
    }
    return d;
}

static int count_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_layout(void)
{
    Model *m = mlp(1);
    const char *path = path_in_dir("model.safetensors");
    is_int(model_save(m, path), 0, "model_save");
    size_t size;
    unsigned char *bytes = read_all(path, &size);
    uint64_t header = 0;
    for (int i = 7; i >= 0; i--)
        header = header << 8 | bytes[i];
    is_int((long long)(header % 8), 0, "header padded to 8 bytes");
    is_int((long long)size, (long long)(8 + header + 4 * (5 * 6 + 5 + 3 * 5 + 3)),
           "length + header + raw float32 data");
    char *json = strndup((char *)bytes + 8, header);
    ok(strstr(json, "\"layers.1.weight\":{\"dtype\":\"F32\",\"shape\":[5,6],\"data_offsets\":[0,120]}") != NULL,
       "layers.1.weight entry: %.90s", json);
    ok(strstr(json, "\"layers.3.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[200,212]}") != NULL,
       "layers.3.bias entry");
    ok(strstr(json, "\"__metadata__\":{\"format\":\"pt\"") != NULL, "metadata format pt");
    float first;
    memcpy(&first, bytes + 8 + header, 4);
    is_near(first, tensor_cdata(model_parameter(m, 0, NULL))[0], 0, "data starts with layers.1.weight[0][0]");
    free(json);
    free(bytes);

    Model *other = mlp(2);
    ok(distance(m, other) > 0.1, "two seeds, two models");
    is_int(model_load(other, path), 0, "model_load");
    is_near(distance(m, other), 0, 0, "round trip restores every parameter");
    model_free(other);
    model_free(m);
}

static void test_atomic(void)
{
    const char *path = path_in_dir("best.safetensors");
    Model *a = mlp(1), *b = mlp(2), *check = mlp(3);
    is_int(model_save(a, path), 0, "first checkpoint saved");
    int before = count_files();

    /* a full disk, as the kernel reports it: the file size limit */
    struct rlimit old, tiny = { 100, 100 };
    getrlimit(RLIMIT_FSIZE, &old);
    tiny.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &tiny);
    int rc = model_save(b, path);
    setrlimit(RLIMIT_FSIZE, &old);
    is_int(rc, -1, "save fails when the disk is full");
    ok(strstr(cnb_last_error(), "unchanged") != NULL, "message: %s", cnb_last_error());
    is_int(model_load(check, path), 0, "the previous checkpoint still loads");
    is_near(distance(a, check), 0, 0, "and holds the first model");
    is_int(count_files(), before, "no temporary file left behind");

    if (geteuid() != 0) {
        chmod(dir, 0555);
        is_int(model_save(b, path), -1, "save into a read-only directory fails");
        chmod(dir, 0755);
        is_int(model_load(check, path), 0, "previous file intact after the read-only failure");
    } else {
        ok(1, "# SKIP read-only directory (running as root)");
        ok(1, "# SKIP read-only directory (running as root)");
    }
    is_int(model_save(b, dir), -1, "saving over a directory fails");
    is_int(model_save(b, path_in_dir("no/such/dir/m.safetensors")), -1, "missing directory fails");
    is_int(model_save(b, path), 0, "a later save replaces the file");
    is_int(model_load(check, path), 0, "and loads");
    is_near(distance(b, check), 0, 0, "with the second model");
    model_free(a);
    model_free(b);
    model_free(check);
}

static void expect_load_error(Model *m, const char *path, const char *needle, const char *what)
{
    Model *copy = mlp(3);
    model_load(copy, path_in_dir("model.safetensors"));   /* same values as m */
    int rc = model_load(m, path);
    ok(rc == -1 && strstr(cnb_last_error(), needle) != NULL, "%s: %s", what, cnb_last_error());
    if (model_parameter_tensors(m) == model_parameter_tensors(copy) &&
        tensor_numel(model_parameter(m, 0, NULL)) == tensor_numel(model_parameter(copy, 0, NULL)))
        is_near(distance(m, copy), 0, 0, "%s: model unchanged", what);
    model_free(copy);
}

static void test_mismatch(void)
{
    const char *good = path_in_dir("model.safetensors");
    Model *m = mlp(4);
    model_load(m, good);
    manual_seed(5);
    Model *wide = sequential(flatten(), linear(7, 5), relu(), linear(5, 3));
    model_save(wide, path_in_dir("wide.safetensors"));
    expect_load_error(m, path_in_dir("wide.safetensors"), "layers.1.weight has shape [5, 7] in the file but [5, 6]",
                      "other shape");
    Model *deep = sequential(flatten(), linear(6, 5), relu(), linear(5, 3), relu(), linear(3, 3));
    model_save(m, path_in_dir("small.safetensors"));
    Model *deep_copy = sequential(flatten(), linear(6, 5), relu(), linear(5, 3), relu(), linear(3, 3));
    model_load(deep_copy, path_in_dir("small.safetensors"));
    ok(strstr(cnb_last_error(), "no tensor layers.5.weight") != NULL, "missing tensor named: %s",
       cnb_last_error());
    model_save(deep, path_in_dir("deep.safetensors"));
    expect_load_error(m, path_in_dir("deep.safetensors"), "layers.5.weight, which the model does not have",
                      "unexpected tensor");
    expect_load_error(m, path_in_dir("missing.safetensors"), "cannot open", "missing file");
    model_free(deep_copy);
    model_free(deep);
    model_free(wide);

    size_t size;
    unsigned char *bytes = read_all(good, &size);
    write_all(path_in_dir("truncated.safetensors"), bytes, size - 10);
    expect_load_error(m, path_in_dir("truncated.safetensors"), "truncated", "truncated data");
    write_all(path_in_dir("short.safetensors"), bytes, 5);
    expect_load_error(m, path_in_dir("short.safetensors"), "not a safetensors file", "5-byte file");
    unsigned char *huge = malloc(size);
    memcpy(huge, bytes, size);
    huge[6] = 0x7f;
    write_all(path_in_dir("huge.safetensors"), huge, size);
    expect_load_error(m, path_in_dir("huge.safetensors"), "header length", "absurd header length");
    memcpy(huge, bytes, size);
    huge[8] = '[';
    write_all(path_in_dir("json.safetensors"), huge, size);
    expect_load_error(m, path_in_dir("json.safetensors"), "not a JSON object", "broken JSON");
    memcpy(huge, bytes, size);
    char *f32 = memmem(huge, size, "F32", 3);
    memcpy(f32, "F16", 3);
    write_all(path_in_dir("f16.safetensors"), huge, size);
    expect_load_error(m, path_in_dir("f16.safetensors"), "dtype F16", "other dtype");

    /* mutations of the header never crash (ASan run) and never half-load */
    manual_seed(11);
    int refused = 0, loaded = 0;
    uint64_t header = 0;
    for (int i = 7; i >= 0; i--)
        header = header << 8 | bytes[i];
    for (int round = 0; round < 300; round++) {
        memcpy(huge, bytes, size);
        for (int k = 0; k < 3; k++) {
            size_t at = random_u32() % (header + 8);
            huge[at] = (unsigned char)random_u32();
        }
        write_all(path_in_dir("fuzz.safetensors"), huge, size);
        int rc = model_load(m, path_in_dir("fuzz.safetensors"));
        refused += rc == -1;
        loaded += rc == 0;
    }
    is_int(refused + loaded, 300, "300 corrupted headers: no crash (%d refused)", refused);
    free(huge);
    free(bytes);
    is_int(model_load(NULL, good), -1, "NULL model fails");
    is_int(model_save(m, NULL), -1, "NULL path fails");
    model_free(m);
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.' || strlen(e->d_name) > 2)
            unlink(path_in_dir(e->d_name));
    if (d)
        closedir(d);
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/cnb-checkpoint-XXXXXX");
    if (!mkdtemp(dir)) {
        ok(0, "temporary directory");
        return tap_done();
    }
    test_layout();
    test_atomic();
    test_mismatch();
    remove_dir();
    return tap_done();
}
