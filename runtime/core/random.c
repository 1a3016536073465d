// SPDX-License-Identifier: BSD-3-Clause
/* PyTorch's CPU random number generator, bit for bit: MT19937 seeded with
 * the low 32 bits of the seed (at::mt19937), random() = one 32-bit draw,
 * random64() = two draws (first one high), and the transformations that
 * torch applies on top (uniform_ for float, randperm, random_ for int64). */
#include "cnb/random.h"
#include "host/error_internal.h"
#include "host/object.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define MT_N 624
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER_MASK 0x80000000u
#define MT_LOWER_MASK 0x7fffffffu

/* torch's default_rng_seed_val: the seed of a process that never seeds. */
#define TORCH_DEFAULT_SEED 67280421310721ull

struct Generator {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    pthread_mutex_t lock;
    uint64_t seed;
    uint32_t state[MT_N];
    int left, next;
};

static void mt_seed(Generator *g, uint64_t seed)
{
    g->seed = seed;
    g->state[0] = (uint32_t)(seed & 0xffffffffu);
    for (uint32_t j = 1; j < MT_N; j++)
        g->state[j] = 1812433253u * (g->state[j - 1] ^ (g->state[j - 1] >> 30)) + j;
    g->left = 1;
    g->next = 0;
}

static uint32_t mix_bits(uint32_t u, uint32_t v)
{
    return (u & MT_UPPER_MASK) | (v & MT_LOWER_MASK);
}

static uint32_t twist(uint32_t u, uint32_t v)
{
    return (mix_bits(u, v) >> 1) ^ ((v & 1u) ? MT_MATRIX_A : 0u);
}

static void mt_next_state(Generator *g)
{
    uint32_t *p = g->state;
    g->left = MT_N;
    g->next = 0;
    for (int j = MT_N - MT_M + 1; --j; p++)
        *p = p[MT_M] ^ twist(p[0], p[1]);
    for (int j = MT_M; --j; p++)
        *p = p[MT_M - MT_N] ^ twist(p[0], p[1]);
    *p = p[MT_M - MT_N] ^ twist(p[0], g->state[0]);
}

static uint32_t mt_draw(Generator *g)
{
    if (--g->left == 0)
        mt_next_state(g);
    uint32_t y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

static uint64_t mt_draw64(Generator *g)
{
    uint64_t hi = mt_draw(g), lo = mt_draw(g);
    return (hi << 32) | lo;
}

/* at::uniform_real_distribution<float>: 24 random bits scaled to [0, 1),
 * then x * (to - from) + from in float.  torch's AVX2 build contracts that
 * into one fused multiply-add (a single rounding), so we do too. */
static float uniform_from_bits(uint32_t bits, float from, float to)
{
    float x = (float)(bits & ((1u << 24) - 1)) * (1.0f / (float)(1u << 24));
    return fmaf(x, to - from, from);
}

static Generator default_gen = { .header = OBJECT_HEADER_ALIVE(OBJECT_GENERATOR),
                                  .lock = PTHREAD_MUTEX_INITIALIZER };
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void default_init(void)
{
    mt_seed(&default_gen, TORCH_DEFAULT_SEED);
}

Generator *default_generator(void)
{
    pthread_once(&default_once, default_init);
    return &default_gen;
}

static bool generator_dead(const Generator *g, const char *function)
{
    return object_dead(g, OBJECT_GENERATOR, function);
}

static Generator *use(Generator *g)
{
    return g ? g : default_generator();
}

Generator *generator_new(uint64_t seed)
{
    Generator *g = calloc(1, sizeof *g);
    if (!g) {
        cnb_error("generator_new", "out of memory");
        return NULL;
    }
    object_init(g, OBJECT_GENERATOR);
    pthread_mutex_init(&g->lock, NULL);
    mt_seed(g, seed);
    return g;
}

void generator_free(Generator *g)
{
    if (!g || g == &default_gen || generator_dead(g, "generator_free"))
        return;
    pthread_mutex_destroy(&g->lock);
    object_retire(g, sizeof *g, OBJECT_GENERATOR);
}

void generator_manual_seed(Generator *g, uint64_t seed)
{
    if (generator_dead(g, "generator_manual_seed"))
        return;
    g = use(g);
    pthread_mutex_lock(&g->lock);
    mt_seed(g, seed);
    pthread_mutex_unlock(&g->lock);
}

uint64_t generator_initial_seed(const Generator *g)
{
    if (generator_dead(g, "generator_initial_seed"))
        return 0;
    return g ? g->seed : default_generator()->seed;
}

uint32_t generator_u32(Generator *g)
{
    if (generator_dead(g, "generator_u32"))
        return 0;
    g = use(g);
    pthread_mutex_lock(&g->lock);
    uint32_t r = mt_draw(g);
    pthread_mutex_unlock(&g->lock);
    return r;
}

uint64_t generator_u64(Generator *g)
{
    if (generator_dead(g, "generator_u64"))
        return 0;
    g = use(g);
    pthread_mutex_lock(&g->lock);
    uint64_t r = mt_draw64(g);
    pthread_mutex_unlock(&g->lock);
    return r;
}

float generator_uniform(Generator *g, float from, float to)
{
    if (generator_dead(g, "generator_uniform"))
        return NAN;
    return uniform_from_bits(generator_u32(g), from, to);
}

void generator_fill_uniform(Generator *g, float *values, size_t n, float from, float to)
{
    if (generator_dead(g, "generator_fill_uniform"))
        return;
    g = use(g);
    pthread_mutex_lock(&g->lock);
    for (size_t i = 0; i < n; i++)
        values[i] = uniform_from_bits(mt_draw(g), from, to);
    pthread_mutex_unlock(&g->lock);
}

/* randperm_cpu: for n below UINT32_MAX / 20 torch keeps its old swap loop
 * (random() % (n - i)); above, the inside-out shuffle with random64(). */
void generator_permutation(Generator *g, int64_t *perm, int64_t n)
{
    if (generator_dead(g, "generator_permutation"))
        return;
    if (!perm || n <= 0)
        return;
    g = use(g);
    pthread_mutex_lock(&g->lock);
    if (n < (int64_t)(UINT32_MAX / 20)) {
        for (int64_t i = 0; i < n; i++)
            perm[i] = i;
        for (int64_t i = 0; i < n - 1; i++) {
            int64_t z = (int64_t)(mt_draw(g) % (uint64_t)(n - i));
            int64_t saved = perm[i];
            perm[i] = perm[z + i];
            perm[z + i] = saved;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            int64_t z = (int64_t)(mt_draw64(g) % (uint64_t)(i + 1));
            perm[i] = i;
            perm[i] = perm[z];
            perm[z] = i;
        }
    }
    pthread_mutex_unlock(&g->lock);
}

/* uniform_int_distribution<int64_t>: random64() % (INT64_MAX + 1). */
int64_t generator_int64(Generator *g)
{
    if (generator_dead(g, "generator_int64"))
        return 0;
    return (int64_t)(generator_u64(g) & 0x7fffffffffffffffull);
}

void manual_seed(uint64_t seed)
{
    generator_manual_seed(NULL, seed);
}

uint64_t initial_seed(void)
{
    return generator_initial_seed(NULL);
}

uint32_t random_u32(void)
{
    return generator_u32(NULL);
}

uint64_t random_u64(void)
{
    return generator_u64(NULL);
}

float random_uniform(float from, float to)
{
    return generator_uniform(NULL, from, to);
}

void random_permutation(int64_t *perm, int64_t n)
{
    generator_permutation(NULL, perm, n);
}

int64_t random_int64(void)
{
    return generator_int64(NULL);
}
