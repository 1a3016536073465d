// SPDX-License-Identifier: BSD-3-Clause
/* Colour maps copied from matplotlib, so heatmaps and curves look the same
 * as in the PyTorch lesson (seaborn draws with these too). */
#include "colormap.h"

#include <math.h>

/* matplotlib's _Blues_data (ColorBrewer), evenly spaced from 0 to 1. */
static const Rgb BLUES[] = {
    {0.96862745098039216, 0.98431372549019602, 1.0},
    {0.87058823529411766, 0.92156862745098034, 0.96862745098039216},
    {0.77647058823529413, 0.85882352941176465, 0.93725490196078431},
    {0.61960784313725492, 0.792156862745098, 0.88235294117647056},
    {0.41960784313725491, 0.68235294117647061, 0.83921568627450982},
    {0.25882352941176473, 0.5725490196078431, 0.77647058823529413},
    {0.12941176470588237, 0.44313725490196076, 0.70980392156862748},
    {0.03137254901960784, 0.31764705882352939, 0.61176470588235299},
    {0.03137254901960784, 0.18823529411764706, 0.41960784313725491},
};
enum { BLUES_POINTS = sizeof BLUES / sizeof BLUES[0], LUT_SIZE = 256 };

Rgb blues(double t)
{
    if (!(t > 0))               /* also NaN */
        t = 0;
    /* matplotlib looks colours up in a table of 256 entries: index t*N. */
    int index = (int)(t * LUT_SIZE);
    if (index > LUT_SIZE - 1)
        index = LUT_SIZE - 1;
    double x = (double)index / (LUT_SIZE - 1) * (BLUES_POINTS - 1);
    int i = (int)x;
    if (i >= BLUES_POINTS - 1)
        return BLUES[BLUES_POINTS - 1];
    double f = x - i;
    const Rgb *a = &BLUES[i], *b = &BLUES[i + 1];
    return (Rgb){a->r + f * (b->r - a->r), a->g + f * (b->g - a->g), a->b + f * (b->b - a->b)};
}

static double linear_channel(double c)
{
    return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double relative_luminance(Rgb colour)
{
    return 0.2126 * linear_channel(colour.r) + 0.7152 * linear_channel(colour.g)
         + 0.0722 * linear_channel(colour.b);
}

Rgb annotation_colour(Rgb cell)
{
    /* seaborn's heatmap: ".15" grey on light cells, white on dark ones. */
    if (relative_luminance(cell) > 0.408)
        return (Rgb){0.15, 0.15, 0.15};
    return (Rgb){1, 1, 1};
}

Rgb cycle_colour(int i)
{
    static const unsigned int TAB10[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                         0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    unsigned int c = TAB10[(unsigned int)i % 10];
    return (Rgb){(c >> 16) / 255.0, (c >> 8 & 0xff) / 255.0, (c & 0xff) / 255.0};
}
