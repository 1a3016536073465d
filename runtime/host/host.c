// SPDX-License-Identifier: BSD-3-Clause
/* What the host does with results: publishing a bundle (a plain program,
 * without a host, prints its text), interrupts, and the reprs of C's own
 * values.  Which host is installed is host_table.c's. */
#include "cnb/host.h"
#include "host/object.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Without a host, the text/plain form is all a terminal can show. */
static void print_plain(const CnbBundle *bundle)
{
    size_t size = 0;
    const char *text = bundle_find(bundle, "text/plain", &size);
    if (text) {
        fwrite(text, 1, size, stdout);
        if (size == 0 || text[size - 1] != '\n')
            fputc('\n', stdout);
    }
}

void cnb_publish(CnbPublishKind kind, const CnbBundle *bundle, const char *display_id)
{
    if (object_dead(bundle, OBJECT_BUNDLE, "cnb_publish"))
        return;
    if (!bundle)
        return;
    if (cnb_host() && cnb_host()->publish)
        cnb_host()->publish(kind, bundle, display_id);
    else
        print_plain(bundle);
}

void cnb_check_interrupt(void)
{
    if (cnb_host() && cnb_host()->check_interrupt)
        cnb_host()->check_interrupt();
}

void cnb_show_bundle(CnbBundle *bundle)
{
    if (object_dead(bundle, OBJECT_BUNDLE, "cnb_show"))
        return;
    cnb_publish(CNB_PUBLISH_RESULT, bundle, NULL);
    bundle_free(bundle);
}

static CnbBundle *plain(const char *text)
{
    CnbBundle *bundle = bundle_new();
    if (bundle && bundle_add_text(bundle, "text/plain", text) != 0) {
        bundle_free(bundle);
        return NULL;
    }
    return bundle;
}

CnbBundle *cnb_repr_long(long long value)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", value);
    return plain(text);
}

CnbBundle *cnb_repr_ulong(unsigned long long value)
{
    char text[32];
    snprintf(text, sizeof text, "%llu", value);
    return plain(text);
}

/* Python's float repr: the shortest digits that read back as the same value,
 * positional between 1e-4 and 1e16, and always recognisably a float ("10.0"). */
static void format_double(double value, char *text, size_t size)
{
    if (isnan(value) || isinf(value)) {
        snprintf(text, size, "%s", isnan(value) ? "nan" : value > 0 ? "inf" : "-inf");
        return;
    }
    int digits = 17;
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(text, size, "%.*e", precision - 1, value);
        if (strtod(text, NULL) == value) {
            digits = precision;
            break;
        }
    }
    double magnitude = fabs(value);
    if (value != 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
        snprintf(text, size, "%.*e", digits - 1, value);
        return;
    }
    int exponent = value == 0 ? 0 : (int)floor(log10(magnitude));
    int decimals = digits - 1 - exponent;
    snprintf(text, size, "%.*f", decimals > 0 ? decimals : 0, value);
    if (!strchr(text, '.'))
        strncat(text, ".0", size - strlen(text) - 1);
}

CnbBundle *cnb_repr_double(double value)
{
    char text[64];
    format_double(value, text, sizeof text);
    return plain(text);
}

CnbBundle *cnb_repr_bool(bool value)
{
    return plain(value ? "true" : "false");
}

CnbBundle *cnb_repr_char(char value)
{
    char text[16];
    if (value >= 32 && value < 127)
        snprintf(text, sizeof text, "'%c' (%d)", value, value);
    else
        snprintf(text, sizeof text, "%d", value);
    return plain(text);
}

CnbBundle *cnb_repr_string(const char *value)
{
    if (!value)
        return plain("NULL");
    size_t length = strlen(value);
    char *quoted = malloc(2 * length + 3);
    if (!quoted)
        return NULL;
    char *out = quoted;
    *out++ = '"';
    for (const char *in = value; *in; in++) {
        if (*in == '"' || *in == '\\') {
            *out++ = '\\';
            *out++ = *in;
        } else if (*in == '\n') {
            *out++ = '\\';
            *out++ = 'n';
        } else {
            *out++ = *in;
        }
    }
    *out++ = '"';
    *out = '\0';
    CnbBundle *bundle = plain(quoted);
    free(quoted);
    return bundle;
}

CnbBundle *cnb_repr_pointer(const void *value)
{
    char text[32];
    if (value)
        snprintf(text, sizeof text, "(void *) 0x%" PRIxPTR, (uintptr_t)value);
    else
        snprintf(text, sizeof text, "NULL");
    return plain(text);
}
