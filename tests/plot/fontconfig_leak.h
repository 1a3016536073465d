// SPDX-License-Identifier: BSD-3-Clause
/* Fontconfig loses track of some of what it parses from its configuration,
 * once per process (fontconfig 2.14, reached through Cairo's font lookup):
 * not ours to fix, so LeakSanitizer is told to skip stacks through it.
 * Leaks of our own (Cairo surfaces, bundles, strings) are still reported.
 * Include it in exactly one file of a test program that draws text. */
#ifndef CNB_TEST_FONTCONFIG_LEAK_H
#define CNB_TEST_FONTCONFIG_LEAK_H

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

#endif
