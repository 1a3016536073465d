// SPDX-License-Identifier: BSD-3-Clause
/* The cost of the freed-object check (runtime/host/object.h) on one public
 * call: tensor_ndim(t), 10^8 times, the best of 5 rounds in the thread's
 * CPU time (the build machine is shared: wall time would measure the other
 * builds).  Run it against the library before and after a change:
 *     LD_LIBRARY_PATH=old/.libs ./object_check; LD_LIBRARY_PATH=new/.libs ./object_check */
#include "cnb.h"

#include <time.h>

#define CALLS 100000000L
#define ROUNDS 5

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    Tensor *t = tensor(2, 3);
    long sum = 0;
    double best = INFINITY;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = cpu_now();
        for (long i = 0; i < CALLS; i++)
            sum += tensor_ndim(t);
        double dt = cpu_now() - t0;
        best = dt < best ? dt : best;
    }
    tensor_free(t);
    printf("{\"call\": \"tensor_ndim\", \"ns_per_call\": %.3f, \"checksum\": %ld}\n",
           best / (double)CALLS * 1e9, sum);
    return 0;
}
