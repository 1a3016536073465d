// SPDX-License-Identifier: BSD-3-Clause
/* MIME bundles and the default (host-less) behaviour of the runtime seam. */
#include "cnb.h"
#include "tap.h"

static void test_bundle_entries(void)
{
    CnbBundle *b = bundle_new();
    ok(b != NULL, "bundle_new gives a bundle");
    is_int(bundle_add_text(b, "text/plain", "hello"), 0, "add text/plain");
    unsigned char png[] = {0x89, 'P', 'N', 'G', 0, 1, 2};
    is_int(bundle_add(b, "image/png", png, sizeof png), 0, "add binary data with a NUL inside");
    is_int((long long)bundle_count(b), 2, "two entries");
    size_t size = 0;
    const unsigned char *data = bundle_find(b, "image/png", &size);
    ok(data && size == sizeof png && memcmp(data, png, size) == 0, "binary data comes back byte for byte");
    is_int(bundle_add_text(b, "text/plain", "again"), 0, "adding a type twice");
    is_int((long long)bundle_count(b), 2, "replaces the first entry");
    is_str(bundle_find(b, "text/plain", NULL), "again", "with the new text");
    is_int(bundle_set_metadata(b, "image/png", "{\"width\": 400}"), 0, "metadata for an entry");
    is_str(bundle_metadata(b, 1), "{\"width\": 400}", "metadata kept");
    is_int(bundle_set_metadata(b, "text/html", "{}"), -1, "metadata for a missing type fails");
    ok(strstr(cnb_last_error(), "no text/html entry") != NULL, "with a message naming the type");
    ok(bundle_find(b, "text/html", NULL) == NULL, "find of a missing type gives NULL");
    bundle_free(b);
    is_int(bundle_add(NULL, "text/plain", "x", 1), -1, "NULL bundle is an error, not a crash");
}

static void check_plain(CnbBundle *bundle, const char *want, const char *what)
{
    is_str(bundle_find(bundle, "text/plain", NULL), want, "%s", what);
    bundle_free(bundle);
}

static void test_reprs(void)
{
    check_plain(cnb_repr_long(-42), "-42", "int repr");
    check_plain(cnb_repr_ulong(18446744073709551615ull), "18446744073709551615", "unsigned repr");
    check_plain(cnb_repr_double(0.1), "0.1", "double repr is the shortest exact form");
    check_plain(cnb_repr_double(1.0 / 3.0), "0.3333333333333333", "double repr keeps all digits");
    check_plain(cnb_repr_double(10.0f), "10.0", "a whole float shows as 10.0");
    check_plain(cnb_repr_double(1.0f), "1.0", "1.0f shows as 1.0");
    check_plain(cnb_repr_double(0.1f), "0.10000000149011612", "0.1f shows its double value");
    check_plain(cnb_repr_double(-2.5e-7), "-2.5e-07", "tiny values use an exponent");
    check_plain(cnb_repr_double(1e20), "1e+20", "huge values use an exponent");
    check_plain(cnb_repr_double(123456.75), "123456.75", "positional in between");
    check_plain(cnb_repr_double(0.0), "0.0", "zero");
    check_plain(cnb_repr_double(NAN), "nan", "nan");
    check_plain(cnb_repr_bool(true), "true", "bool repr");
    check_plain(cnb_repr_char('A'), "'A' (65)", "char repr");
    check_plain(cnb_repr_string("a \"q\"\n"), "\"a \\\"q\\\"\\n\"", "string repr is quoted and escaped");
    check_plain(cnb_repr_string(NULL), "NULL", "NULL string");
    check_plain(cnb_repr_pointer(NULL), "NULL", "NULL pointer");
}

int main(void)
{
    test_bundle_entries();
    test_reprs();
    ok(!cnb_in_notebook(), "no host: not in a notebook");
    cnb_check_interrupt();
    ok(1, "no host: check_interrupt returns");
    return tap_done();
}
