// SPDX-License-Identifier: BSD-3-Clause
/* Text drawing with Cairo's font API.  DejaVu Sans is what matplotlib uses
 * by default, so labels look the same as in the PyTorch lesson.  Hinting is
 * off so that glyph positions (and the reference pictures of the tests) do
 * not depend on the FreeType hinting settings of the machine. */
#include "text.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static cairo_font_face_t *regular_face, *bold_face;
static cairo_font_options_t *font_options;
static pthread_once_t fonts_once = PTHREAD_ONCE_INIT;

/* Faces are made once: looking a family up through fontconfig is the
 * slowest part of drawing text. */
static void fonts_init(void)
{
    regular_face = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                              CAIRO_FONT_WEIGHT_NORMAL);
    bold_face = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                           CAIRO_FONT_WEIGHT_BOLD);
    font_options = cairo_font_options_create();
    cairo_font_options_set_antialias(font_options, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(font_options, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(font_options, CAIRO_HINT_METRICS_OFF);
}

void text_font(cairo_t *cr, double size, bool bold)
{
    pthread_once(&fonts_once, fonts_init);
    cairo_set_font_face(cr, bold ? bold_face : regular_face);
    cairo_set_font_size(cr, size);
    cairo_set_font_options(cr, font_options);
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not valid. */
static size_t utf8_sequence(const unsigned char *s)
{
    size_t length;
    unsigned int code;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0)
        length = 2, code = s[0] & 0x1F;
    else if ((s[0] & 0xF0) == 0xE0)
        length = 3, code = s[0] & 0x0F;
    else if ((s[0] & 0xF8) == 0xF0)
        length = 4, code = s[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < length; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        code = code << 6 | (s[i] & 0x3F);
    }
    static const unsigned int smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return length;
}

/* A copy with every invalid byte replaced by '?': Cairo refuses the whole
 * string (and poisons the context) otherwise. */
static char *valid_utf8(const char *text)
{
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    size_t i = 0;
    while (i < n) {
        size_t length = utf8_sequence((const unsigned char *)text + i);
        if (length == 0) {
            copy[i++] = '?';
        } else {
            memcpy(copy + i, text + i, length);
            i += length;
        }
    }
    copy[n] = '\0';
    return copy;
}

double text_width(cairo_t *cr, const char *text)
{
    char *valid = text ? valid_utf8(text) : NULL;
    if (!valid)
        return 0;
    cairo_text_extents_t extents;
    cairo_text_extents(cr, valid, &extents);
    free(valid);
    return extents.x_advance;
}

double text_height(cairo_t *cr)
{
    cairo_font_extents_t extents;
    cairo_font_extents(cr, &extents);
    return extents.ascent + extents.descent;
}

void text_draw(cairo_t *cr, const char *text, double x, double y,
               double halign, double valign, double angle)
{
    char *valid = text ? valid_utf8(text) : NULL;
    if (!valid || !*valid) {
        free(valid);
        return;
    }
    cairo_text_extents_t extents;
    cairo_font_extents_t font;
    cairo_text_extents(cr, valid, &extents);
    cairo_font_extents(cr, &font);
    double height = font.ascent + font.descent;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (angle != 0)
        cairo_rotate(cr, -angle * M_PI / 180);
    cairo_move_to(cr, -halign * extents.x_advance, -valign * height + font.ascent);
    cairo_show_text(cr, valid);
    cairo_restore(cr);
    free(valid);
}
