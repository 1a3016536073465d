// SPDX-License-Identifier: BSD-3-Clause
/* Random numbers that match PyTorch's CPU generator (MT19937): with the same
 * manual_seed, linear() initial weights, random_split and dataloader
 * shuffling reproduce what PyTorch computes. */
#ifndef CNB_RANDOM_H
#define CNB_RANDOM_H

#include <stddef.h>
#include <stdint.h>

void manual_seed(uint64_t seed);
uint64_t initial_seed(void);

/* The default generator's raw streams, as torch's CPUGeneratorImpl. */
uint32_t random_u32(void);
uint64_t random_u64(void);
/* torch.rand-style uniform float in [from, to). */
float random_uniform(float from, float to);
/* torch.randperm(n): fills perm with a permutation of 0..n-1. */
void random_permutation(int64_t *perm, int64_t n);

/* ---- generators of your own, as torch.Generator ----
 * The functions above use default_generator().  A Generator is safe to share
 * between threads (each call holds its lock). */
typedef struct Generator Generator;
Generator *generator_new(uint64_t seed);          /* torch.Generator().manual_seed(seed) */
void generator_free(Generator *generator);
Generator *default_generator(void);               /* never NULL; never free it */
void generator_manual_seed(Generator *generator, uint64_t seed);
uint64_t generator_initial_seed(const Generator *generator);
uint32_t generator_u32(Generator *generator);     /* generator->random() */
uint64_t generator_u64(Generator *generator);     /* generator->random64() */
/* Tensor.uniform_(from, to) on a float tensor, one value or n of them. */
float generator_uniform(Generator *generator, float from, float to);
void generator_fill_uniform(Generator *generator, float *values, size_t n, float from, float to);
/* torch.randperm(n, generator=generator) */
void generator_permutation(Generator *generator, int64_t *perm, int64_t n);
/* torch.empty((), dtype=torch.int64).random_(generator=...).item(): what
 * DataLoader's RandomSampler draws to seed its own generator each epoch. */
int64_t generator_int64(Generator *generator);
int64_t random_int64(void);

#endif
