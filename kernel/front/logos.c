// SPDX-License-Identifier: BSD-3-Clause
/* Logo bytes embedded with the assembler's .incbin (see logos.h).
 * CNB_RESOURCES_DIR is the source tree's resources/ folder. */
#include "logos.h"

#define EMBED(symbol, file)                                                   \
    __asm__(".section .rodata\n"                                              \
            ".global " #symbol "\n.balign 16\n" #symbol ":\n"                 \
            ".incbin \"" CNB_RESOURCES_DIR "/" file "\"\n"                    \
            ".global " #symbol "_end\n" #symbol "_end:\n.byte 0\n.previous\n")

EMBED(cnb_logo_32, "logo-32x32.png");
EMBED(cnb_logo_64, "logo-64x64.png");
EMBED(cnb_logo_svg, "logo-svg.svg");

extern const unsigned char cnb_logo_32[], cnb_logo_32_end[];
extern const unsigned char cnb_logo_64[], cnb_logo_64_end[];
extern const unsigned char cnb_logo_svg[], cnb_logo_svg_end[];

const Logo *kernel_logos(size_t *count)
{
    static Logo logos[3];
    logos[0] = (Logo){"logo-32x32.png", cnb_logo_32, (size_t)(cnb_logo_32_end - cnb_logo_32)};
    logos[1] = (Logo){"logo-64x64.png", cnb_logo_64, (size_t)(cnb_logo_64_end - cnb_logo_64)};
    logos[2] = (Logo){"logo-svg.svg", cnb_logo_svg, (size_t)(cnb_logo_svg_end - cnb_logo_svg)};
    *count = 3;
    return logos;
}
