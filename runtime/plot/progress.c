// SPDX-License-Identifier: BSD-3-Clause
/* Progress: one display updated in place.  In the notebook each refresh is
 * an update_display_data for the same display id carrying an HTML bar and a
 * tqdm-like text line (what nbconvert and consoles show); refreshes are
 * limited to five a second so a fast loop does not flood the frontend.
 * Without a notebook a line goes to stderr every few seconds instead. */
#include "cnb/plot.h"
#include "cnb/display.h"
#include "host/error_internal.h"
#include "host/object.h"
#include "html.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const double REFRESH_SECONDS = 0.2, CONSOLE_SECONDS = 3.0;
enum { BAR_CHARS = 24 };

struct Progress {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    char *label;
    long total, done;
    double start, shown_at;
    bool shown;
    char id[64];
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static bool in_display(void)
{
    const CnbHost *host = cnb_host();
    return host && host->publish;
}

static void clock_text(char *out, size_t size, double seconds)
{
    long s = seconds > 0 && seconds < 1e8 ? (long)(seconds + 0.5) : 0;
    if (s >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%02ld:%02ld", s / 60, s % 60);
}

/* The numbers after the bar: "450/938 [00:12<00:13, 37.50 it/s]". */
static void numbers_text(const Progress *p, double elapsed, char *out, size_t size)
{
    char spent[48], left[48], rate[48];
    double per_second = elapsed > 0 ? p->done / elapsed : 0;
    clock_text(spent, sizeof spent, elapsed);
    if (p->total > 0 && per_second > 0)
        clock_text(left, sizeof left, (p->total - p->done) / per_second);
    else
        snprintf(left, sizeof left, "?");
    if (per_second <= 0)
        snprintf(rate, sizeof rate, "? it/s");
    else if (per_second < 1)
        snprintf(rate, sizeof rate, "%.2f s/it", 1 / per_second);
    else
        snprintf(rate, sizeof rate, "%.2f it/s", per_second);
    if (p->total > 0)
        snprintf(out, size, "%ld/%ld [%s<%s, %s]", p->done, p->total, spent, left, rate);
    else
        snprintf(out, size, "%ld [%s, %s]", p->done, spent, rate);
}

static double fraction(const Progress *p)
{
    return p->total > 0 ? (double)p->done / p->total : 0;
}

/* "Epoche 1:  48%|███████████▌            | 450/938 [...] loss 0.31" */
static char *plain_text(const Progress *p, const char *numbers, const char *message)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    if (p->label && *p->label)
        fprintf(out, "%s: ", p->label);
    if (p->total > 0) {
        int eighths = (int)(fraction(p) * BAR_CHARS * 8);
        static const char *const PARTS[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
        fprintf(out, "%3d%%|", (int)(fraction(p) * 100));
        for (int i = 0; i < eighths / 8; i++)
            fputs("█", out);
        fputs(PARTS[eighths % 8], out);
        for (int i = eighths / 8 + (eighths % 8 > 0); i < BAR_CHARS; i++)
            fputc(' ', out);
        fputs("| ", out);
    }
    fputs(numbers, out);
    if (message && *message)
        fprintf(out, " %s", message);
    fclose(out);
    return text;
}

static char *html_text(const Progress *p, const char *numbers, const char *message, bool finished)
{
    char *html = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&html, &size);
    if (!out)
        return NULL;
    double percent = p->total > 0 ? 100 * fraction(p) : (finished ? 100 : 0);
    fputs("<div style=\"display:flex;align-items:center;gap:0.6em;font-family:sans-serif;"
          "font-size:13px\">", out);
    if (p->label && *p->label) {
        fputs("<span>", out);
        html_escape(out, p->label);
        fputs("</span>", out);
    }
    fprintf(out, "<div style=\"width:16em;height:0.9em;background:#e6e6e6;border-radius:3px;"
                 "overflow:hidden\"><div style=\"width:%.1f%%;height:100%%;background:%s\"></div></div>",
            percent, finished ? "#2ca02c" : "#1f77b4");
    if (p->total > 0)
        fprintf(out, "<span>%3.0f%%</span>", 100 * fraction(p));
    fputs("<span style=\"font-family:monospace\">", out);
    html_escape(out, numbers);
    if (message && *message) {
        fputc(' ', out);
        html_escape(out, message);
    }
    fputs("</span></div>", out);
    fclose(out);
    return html;
}

static void publish(Progress *p, const char *message, bool finished)
{
    char numbers[256];
    double t = now();
    numbers_text(p, t - p->start, numbers, sizeof numbers);
    char *plain = plain_text(p, numbers, message);
    if (!plain)
        return;
    if (in_display()) {
        char *html = html_text(p, numbers, message, finished);
        CnbBundle *bundle = bundle_new();
        if (bundle && html && bundle_add_text(bundle, "text/plain", plain) == 0
            && bundle_add_text(bundle, "text/html", html) == 0)
            display_bundle(bundle, p->id, p->shown);
        bundle_free(bundle);
        free(html);
    } else {
        fprintf(stderr, "%s\n", plain);
        fflush(stderr);
    }
    free(plain);
    p->shown = true;
    p->shown_at = t;
}

Progress *progress_new(const char *label, long total)
{
    static atomic_long counter;
    if (total < 0) {
        cnb_error("progress_new", "the total must not be negative (0 means unknown)");
        return NULL;
    }
    Progress *p = calloc(1, sizeof *p);
    if (!p || !(p->label = strdup(label ? label : ""))) {
        free(p);
        cnb_error("progress_new", "out of memory");
        return NULL;
    }
    object_init(p, OBJECT_PROGRESS);
    p->total = total;
    p->start = now();
    snprintf(p->id, sizeof p->id, "cnb-progress-%ld-%ld", (long)getpid(), atomic_fetch_add(&counter, 1) + 1);
    /* In the notebook the bar appears at once; a console waits for news. */
    if (in_display())
        publish(p, NULL, false);
    else
        p->shown_at = p->start;
    return p;
}

void progress_update(Progress *progress, long done, const char *message)
{
    if (object_dead(progress, OBJECT_PROGRESS, "progress_update"))
        return;
    if (!progress)
        return;
    progress->done = done < 0 ? 0 : progress->total > 0 && done > progress->total ? progress->total : done;
    double interval = in_display() ? REFRESH_SECONDS : CONSOLE_SECONDS;
    if (now() - progress->shown_at >= interval)
        publish(progress, message, false);
}

void progress_finish(Progress *progress, const char *message)
{
    if (object_dead(progress, OBJECT_PROGRESS, "progress_finish"))
        return;
    if (!progress)
        return;
    publish(progress, message, true);
    free(progress->label);
    object_retire(progress, sizeof *progress, OBJECT_PROGRESS);
}
