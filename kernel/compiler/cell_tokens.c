// SPDX-License-Identifier: BSD-3-Clause
/* The keyword lists of the cell splitter; see cell_tokens.h. */
#include "cell_tokens.h"

const char *const statement_words[] = {
    "if", "for", "while", "do", "switch", "return", "break", "continue", "goto",
    "case", "default", "else", NULL
};
const char *const storage_words[] = {
    "typedef", "extern", "static", "auto", "register", "inline", "__inline", "__inline__",
    "_Thread_local", "__thread", "_Noreturn", NULL
};
const char *const qualifier_words[] = {
    "const", "volatile", "restrict", "__restrict", "__restrict__", "__const", "__volatile__",
    "_Atomic", "__extension__", NULL
};
const char *const type_words[] = {
    "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
    "__signed__", "_Bool", "_Complex", "__complex__", "__int128", "_Float128", "__float128",
    "_Float32", "_Float64", "_Decimal32", "_Decimal64", "_Decimal128", "__auto_type", NULL
};
/* Specifier words followed by a parenthesized argument. */
const char *const paren_words[] = {
    "__attribute__", "__attribute", "_Alignas", "alignas", "__typeof__", "__typeof", "typeof",
    "__declspec", "_Atomic", "__asm__", "__asm", "asm", NULL
};
/* Common typedef names, for when the caller's predicate has not learnt the
 * headers yet. */
const char *const known_types[] = {
    "bool", "size_t", "ssize_t", "ptrdiff_t", "FILE", "va_list", "wchar_t", "off_t",
    "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    "intptr_t", "uintptr_t", "intmax_t", "uintmax_t", "time_t", "clock_t", NULL
};
