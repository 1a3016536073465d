// SPDX-License-Identifier: BSD-3-Clause
/* The display API and the progress display: with a host (a recording one,
 * installed through cnb_set_host as the kernel's worker does) each call is
 * one bundle with the right MIME types, metadata and display id; without a
 * host pictures become files and text is printed. */
#include "cnb.h"
#include "tap.h"
#include "plot_test.h"

#include <fcntl.h>
#include <unistd.h>

static char folder[] = "/tmp/cnb-display-test-XXXXXX";

static unsigned char *small_png(size_t *size)
{
    unsigned char rgb[4 * 3 * 3];
    for (size_t i = 0; i < sizeof rgb; i++)
        rgb[i] = (unsigned char)(i * 20);
    return png_encode_rgb(rgb, 4, 3, size);
}

static char *read_file(const char *name, size_t *size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = malloc(1 << 20);
    *size = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

static bool file_is(const char *name, const void *want, size_t want_size)
{
    size_t size = 0;
    char *data = read_file(name, &size);
    bool same = data && size == want_size && memcmp(data, want, size) == 0;
    free(data);
    return same;
}

/* Runs f with stdout (fd 1) or stderr (fd 2) going to a file; returns what it wrote. */
static char *captured(int fd, void (*f)(void))
{
    char path[512];
    snprintf(path, sizeof path, "%s/captured-%d.txt", folder, fd);
    fflush(stdout);
    fflush(stderr);
    int saved = dup(fd), file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(file, fd);
    close(file);
    f();
    fflush(stdout);
    fflush(stderr);
    dup2(saved, fd);
    close(saved);
    FILE *in = fopen(path, "r");
    char *text = calloc(1, 65536);
    if (in) {
        size_t n = fread(text, 1, 65535, in);
        text[n] = '\0';
        fclose(in);
    }
    return text;
}

static void print_text_forms(void)
{
    display_text("Hallo, Welt");
    display_markdown("# Überschrift");
    display_html("<b>fett</b>");
    clear_output(true);
}

static void test_without_host(void)
{
    cnb_set_host(NULL);
    setenv("CNB_DISPLAY_DIR", folder, 1);
    size_t size = 0;
    unsigned char *png = small_png(&size);
    ok(png && size > 8 && memcmp(png, "\x89PNG", 4) == 0, "png_encode_rgb makes a PNG");
    is_int(display_png(png, size), 0, "display_png without a host");
    ok(file_is("cnb-display-1.png", png, size), "writes cnb-display-1.png in $CNB_DISPLAY_DIR");
    is_int(display_png(png, size, .id = "kurve"), 0, "with a display id");
    ok(file_is("kurve.png", png, size), "writes <id>.png");
    unsigned char gray[6] = {0, 50, 100, 150, 200, 250};
    size_t gray_size = 0;
    unsigned char *gray_png = png_encode_gray(gray, 3, 2, &gray_size);
    is_int(display_png(gray_png, gray_size, .id = "kurve", .update = true), 0, "an update of that id");
    ok(file_is("kurve.png", gray_png, gray_size), "overwrites the file");
    is_int(display_png(png, size, .id = "../weg"), 0, "an id with a path in it");
    ok(file_is("_._weg.png", png, size), "stays in the folder (_._weg.png)");
    const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    is_int(display_svg(svg), 0, "display_svg without a host");
    ok(file_is("cnb-display-5.svg", svg, strlen(svg)), "writes an .svg file");
    char *out = captured(1, print_text_forms);
    ok(strstr(out, "Hallo, Welt\n") && strstr(out, "# Überschrift\n") && strstr(out, "<b>fett</b>\n"),
       "text, Markdown and HTML are printed to stdout");
    free(out);

    double y[3] = {3, 1, 2};
    Series series = {"y", y, 3};
    is_int(plot_lines(&series, 1), 0, "a plot without a host");
    size_t plot_size = 0;
    char *plot = read_file("cnb-display-6.png", &plot_size);
    cairo_surface_t *decoded = plot ? png_decode(plot, plot_size) : NULL;
    ok(decoded && cairo_image_surface_get_width(decoded) == 1280, "is saved as a 2x PNG file");
    if (decoded)
        cairo_surface_destroy(decoded);
    free(plot);
    free(gray_png);
    free(png);
    unsetenv("CNB_DISPLAY_DIR");
}

static void test_with_host(void)
{
    size_t size = 0;
    unsigned char *png = small_png(&size);
    recording_start();
    is_int(display_png(png, size, .width = 300), 0, "display_png in the notebook");
    const Recorded *r = last_recorded();
    size_t got_size = 0;
    const void *got = r ? bundle_find(r->bundle, "image/png", &got_size) : NULL;
    ok(r && r->kind == CNB_PUBLISH_DISPLAY && !r->has_id, "is display_data without an id");
    ok(got && got_size == size && memcmp(got, png, size) == 0, "with the PNG bytes unchanged (raw, not base64)");
    is_int(metadata_int(metadata_of(r->bundle, "image/png"), "width"), 300, "and width metadata");
    is_int((long long)bundle_count(r->bundle), 1, "and nothing else");

    is_int(display_html("<i>eins</i>", .id = "zelle"), 0, "display_html with an id");
    r = last_recorded();
    ok(r->kind == CNB_PUBLISH_DISPLAY && r->has_id && strcmp(r->id, "zelle") == 0, "is display_data for id zelle");
    is_str(bundle_find(r->bundle, "text/html", NULL), "<i>eins</i>", "carrying text/html");
    is_int(display_html("<i>zwei</i>", .id = "zelle", .update = true), 0, "an update");
    r = last_recorded();
    ok(r->kind == CNB_PUBLISH_UPDATE && strcmp(r->id, "zelle") == 0, "is update_display_data for zelle");
    is_int(display_markdown("**fett**"), 0, "display_markdown");
    ok(bundle_find(last_recorded()->bundle, "text/markdown", NULL) != NULL, "carries text/markdown");
    is_int(display_svg("<svg/>", .height = 20), 0, "display_svg");
    ok(bundle_find(last_recorded()->bundle, "image/svg+xml", NULL) != NULL, "carries image/svg+xml");
    is_int(metadata_int(metadata_of(last_recorded()->bundle, "image/svg+xml"), "height"), 20, "with height metadata");
    is_int(display_text("nur Text"), 0, "display_text");
    is_str(bundle_find(last_recorded()->bundle, "text/plain", NULL), "nur Text", "carries text/plain");

    int before = recorded_count;
    is_int(display_text("x", .update = true), -1, "an update without an id is refused");
    ok(strstr(cnb_last_error(), "display id") != NULL, "with a message naming the display id");
    is_int(display_png("GIF89a....", 10), -1, "bytes that are not a PNG are refused");
    is_int(display_html(NULL), -1, "NULL text is refused");
    is_int(display_bundle(NULL, NULL, false), -1, "a NULL bundle is refused");
    is_int(recorded_count, before, "nothing was published for refused calls");
    clear_output(true);
    clear_output(false);
    ok(clear_calls == 2 && clear_wait_calls == 1, "clear_output reaches the host with its wait flag");

    CnbBundle *bundle = bundle_new();
    bundle_add_text(bundle, "text/plain", "eigenes Bündel");
    bundle_add_text(bundle, "text/latex", "$x^2$");
    is_int(display_bundle(bundle, "b", false), 0, "display_bundle with any MIME types");
    ok(bundle_count(last_recorded()->bundle) == 2, "keeps all of them");
    bundle_free(bundle);
    recording_stop();
    free(png);
}

static void test_progress_in_notebook(void)
{
    recording_start();
    Progress *p = progress_new("Epoche 1", 10);
    ok(p != NULL, "progress_new");
    is_int(recorded_count, 1, "shows the bar at once");
    const Recorded *first = last_recorded();
    char id[128];
    snprintf(id, sizeof id, "%s", first->id);
    ok(first->kind == CNB_PUBLISH_DISPLAY && first->has_id && strncmp(id, "cnb-progress-", 13) == 0,
       "as display_data with a display id (%s)", id);
    ok(bundle_find(first->bundle, "text/html", NULL) && bundle_find(first->bundle, "text/plain", NULL),
       "with text/html and a text/plain form");
    for (int round = 0; round < 1000; round++)
        progress_update(p, round % 10, "läuft");
    ok(recorded_count < 100, "a thousand fast updates are not a thousand messages (%d)", recorded_count);
    progress_finish(p, "fertig");
    const Recorded *last = last_recorded();
    ok(last->kind == CNB_PUBLISH_UPDATE && strcmp(last->id, id) == 0,
       "the end is an update_display_data of the same display");
    const char *plain = bundle_find(last->bundle, "text/plain", NULL);
    const char *html = bundle_find(last->bundle, "text/html", NULL);
    ok(plain && strstr(plain, "Epoche 1:") && strstr(plain, "9/10") && strstr(plain, "it/s") && strstr(plain, "fertig"),
       "its text shows label, step/total, rate and message: %s", plain ? plain : "(none)");
    ok(html && strstr(html, "Epoche 1") && strstr(html, "width:90.0%"), "its HTML bar is 90%% full");
    bool same_id = true;
    for (int i = 1; i < recorded_count; i++)
        same_id = same_id && recorded[i].kind == CNB_PUBLISH_UPDATE && strcmp(recorded[i].id, id) == 0;
    ok(same_id, "every refresh updates the same display");

    Progress *q = progress_new("<Laden & Prüfen>", 0);
    progress_finish(q, NULL);
    html = bundle_find(last_recorded()->bundle, "text/html", NULL);
    plain = bundle_find(last_recorded()->bundle, "text/plain", NULL);
    ok(html && strstr(html, "&lt;Laden &amp; Prüfen&gt;"), "labels are escaped in HTML");
    ok(plain && strstr(plain, "<Laden & Prüfen>: 0 ["), "an unknown total shows a count");
    ok(strcmp(recorded[recorded_count - 1].id, id) != 0, "a second progress has its own display id");
    ok(progress_new("x", -1) == NULL, "a negative total is refused");
    progress_update(NULL, 1, NULL);
    progress_finish(NULL, NULL);
    recording_stop();
}

static void progress_in_console(void)
{
    Progress *p = progress_new("Laden", 4);
    for (int i = 1; i <= 4; i++)
        progress_update(p, i, NULL);
    progress_finish(p, "ok");
}

static void test_progress_in_console(void)
{
    cnb_set_host(NULL);
    char *err = captured(2, progress_in_console);
    ok(strstr(err, "Laden: 100%|") && strstr(err, "4/4") && strstr(err, " ok\n"),
       "without a notebook the final state goes to stderr: %s", err);
    free(err);
}

static void test_tensor_repr(void)
{
    const float values[6] = {0.5f, 1, 2, 3, 4, 5.25f};
    Tensor *t = tensor_from_data(values, (int[]){2, 3}, 2);
    CnbBundle *b = cnb_repr_tensor(t);
    char *printed = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&printed, &size);
    tensor_fprint(out, t);
    fclose(out);
    while (size > 0 && printed[size - 1] == '\n')
        printed[--size] = '\0';
    is_str(bundle_find(b, "text/plain", NULL), printed, "a tensor's text is what tensor_fprint prints");
    const char *html = bundle_find(b, "text/html", NULL);
    ok(html && strstr(html, "[2, 3]") && strstr(html, "<table") && strstr(html, "5.2500"),
       "its HTML shows the shape and a table of values");
    bundle_free(b);
    free(printed);
    tensor_free(t);

    Tensor *big = tensor(100, 50);
    b = cnb_repr_tensor(big);
    html = bundle_find(b, "text/html", NULL);
    ok(html && strstr(html, "⋮") && strstr(html, "…") && strlen(html) < 20000,
       "a large matrix is shortened with ⋮ and …");
    bundle_free(b);
    tensor_free(big);
    Tensor *batch = tensor(2, 1, 3, 3);
    b = cnb_repr_tensor(batch);
    html = bundle_find(b, "text/html", NULL);
    ok(html && strstr(html, "[2, 1, 3, 3]") && strstr(html, "<pre>"), "a 4-d tensor shows its printed form");
    bundle_free(b);
    tensor_free(batch);
    b = cnb_repr_tensor(NULL);
    is_str(bundle_find(b, "text/plain", NULL), "NULL", "a NULL tensor");
    bundle_free(b);
}

int main(void)
{
    if (!mkdtemp(folder)) {
        perror("mkdtemp");
        return 1;
    }
    test_without_host();
    test_with_host();
    test_progress_in_notebook();
    test_progress_in_console();
    test_tensor_repr();
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", folder);
    if (system(command) != 0)
        diag("could not remove %s", folder);
    return tap_done();
}
