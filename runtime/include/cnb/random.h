/* Random numbers that match PyTorch's CPU generator (MT19937): with the same
 * manual_seed, linear() initial weights, random_split and dataloader
 * shuffling reproduce what PyTorch computes. */
#ifndef CNB_RANDOM_H
#define CNB_RANDOM_H

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

#endif
