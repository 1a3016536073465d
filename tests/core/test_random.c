// SPDX-License-Identifier: BSD-3-Clause
/* Random numbers: the MT19937 streams, uniform_ and randperm as PyTorch's CPU
 * generator computes them (reference values from make_reference.py). */
#include "cnb.h"
#include "tap.h"
#include "reference.h"

static void test_streams(Reference *ref)
{
    char name[64];
    for (int seed = 0; seed < 3; seed++) {
        manual_seed((uint64_t)seed);
        is_int((long long)initial_seed(), seed, "initial_seed after manual_seed(%d)", seed);
        snprintf(name, sizeof name, "seed%d.u32", seed);
        const RefTensor *u32 = ref_get(ref, name);
        int same = u32 != NULL;
        for (size_t i = 0; same && i < u32->numel; i++)
            same = random_u32() == (uint32_t)u32->values[i];
        ok(same, "random_u32 stream after manual_seed(%d) as torch (randint(0, 2^32-1))", seed);

        manual_seed((uint64_t)seed);
        snprintf(name, sizeof name, "seed%d.uniform", seed);
        const RefTensor *uni = ref_get(ref, name);
        int exact = 0;
        double worst = 0;
        for (size_t i = 0; uni && i < uni->numel; i++) {
            float v = random_uniform(-0.5f, 0.25f);
            exact += v == (float)uni->values[i];
            worst = fmax(worst, fabs(v - uni->values[i]));
        }
        ok(uni && worst <= 1e-7, "uniform_(-0.5, 0.25) after manual_seed(%d) within 1e-7 (worst %g)", seed, worst);
        ok(uni && exact == (int)uni->numel, "uniform_ bit-exact (%d of %zu)", exact, uni ? uni->numel : 0);

        manual_seed((uint64_t)seed);
        snprintf(name, sizeof name, "seed%d.randperm10", seed);
        const RefTensor *p = ref_get(ref, name);
        int64_t perm[1000];
        random_permutation(perm, 10);
        same = p != NULL;
        for (size_t i = 0; same && i < p->numel; i++)
            same = perm[i] == (int64_t)p->values[i];
        ok(same, "randperm(10) after manual_seed(%d)", seed);
        snprintf(name, sizeof name, "seed%d.randperm1000", seed);
        p = ref_get(ref, name);
        random_permutation(perm, 1000);   /* continues the stream, as in the script */
        same = p != NULL;
        for (size_t i = 0; same && i < p->numel; i++)
            same = perm[i] == (int64_t)p->values[i];
        ok(same, "randperm(1000) continuing the stream after manual_seed(%d)", seed);
    }
    manual_seed(7);
    const RefTensor *s = ref_get(ref, "seed7.int64");
    int64_t drawn = random_int64();
    ok(s && s->numel == 2 && (uint64_t)drawn >> 32 == (uint64_t)s->values[0] &&
       ((uint64_t)drawn & 0xffffffffu) == (uint64_t)s->values[1],
       "random_() on an int64 scalar (RandomSampler's seed draw)");
}

static void test_generators(Reference *ref)
{
    Generator *g = generator_new(5);
    const RefTensor *p = ref_get(ref, "gen5.randperm20");
    int64_t perm[20];
    generator_permutation(g, perm, 20);
    int same = p != NULL;
    for (int i = 0; same && i < 20; i++)
        same = perm[i] == (int64_t)p->values[i];
    ok(same, "torch.Generator().manual_seed(5): randperm(20)");
    is_int((long long)generator_initial_seed(g), 5, "generator initial seed");
    generator_free(g);

    /* A generator of its own leaves the default stream alone. */
    manual_seed(0);
    uint32_t first = random_u32();
    manual_seed(0);
    Generator *other = generator_new(0);
    generator_u32(other);
    is_int(random_u32(), first, "own generator does not advance the default one");
    generator_free(other);
    generator_free(default_generator());     /* refused silently */
    ok(default_generator() != NULL, "default generator survives generator_free");
}

int main(void)
{
    Reference *ref = ref_load("core/reference/random.txt");
    ok(ref != NULL, "reference file random.txt loaded");
    if (!ref)
        return tap_done();
    test_streams(ref);
    test_generators(ref);
    ref_free(ref);
    return tap_done();
}
