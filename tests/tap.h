// SPDX-License-Identifier: BSD-3-Clause
/* A tiny TAP producer for the C unit tests: each check is one numbered line,
 * so the harness counts checks, not programs. */
#ifndef CNB_TEST_TAP_H
#define CNB_TEST_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline void tap_result(int ok, const char *what, const char *file, int line)
{
    tap_count++;
    printf("%sok %d - %s\n", ok ? "" : "not ", tap_count, what);
    if (!ok) {
        tap_failed++;
        printf("# failed at %s:%d\n", file, line);
    }
    fflush(stdout);
}

#define ok(cond, ...) do { char tap_what_[256]; snprintf(tap_what_, sizeof tap_what_, __VA_ARGS__); \
    tap_result(!!(cond), tap_what_, __FILE__, __LINE__); } while (0)
#define is_int(got, want, ...) do { long long g_ = (got), w_ = (want); char tap_what_[256]; \
    snprintf(tap_what_, sizeof tap_what_, __VA_ARGS__); tap_result(g_ == w_, tap_what_, __FILE__, __LINE__); \
    if (g_ != w_) printf("#   got %lld, want %lld\n", g_, w_); } while (0)
#define is_str(got, want, ...) do { const char *g_ = (got), *w_ = (want); char tap_what_[256]; \
    snprintf(tap_what_, sizeof tap_what_, __VA_ARGS__); int e_ = g_ && w_ && strcmp(g_, w_) == 0; \
    tap_result(e_, tap_what_, __FILE__, __LINE__); \
    if (!e_) printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)
#define is_near(got, want, tol, ...) do { double g_ = (got), w_ = (want); char tap_what_[256]; \
    snprintf(tap_what_, sizeof tap_what_, __VA_ARGS__); int e_ = fabs(g_ - w_) <= (tol); \
    tap_result(e_, tap_what_, __FILE__, __LINE__); \
    if (!e_) printf("#   got %.9g, want %.9g (tolerance %g)\n", g_, w_, (double)(tol)); } while (0)

/* A check that cannot run on this machine (no GPU): counted and reported
 * as skipped with the reason, as TAP's "ok N # SKIP reason". */
#define skip(...) do { char tap_why_[256]; snprintf(tap_why_, sizeof tap_why_, __VA_ARGS__); \
    tap_count++; printf("ok %d # SKIP %s\n", tap_count, tap_why_); fflush(stdout); } while (0)

/* Call last in main: prints the plan and gives the exit status. */
static inline int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
