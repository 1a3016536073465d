// SPDX-License-Identifier: BSD-3-Clause
/* The per-element math that both backends run is written once, in the
 * headers beside this one (*_math.cuh), as static inline functions marked
 * CNB_HOST_DEVICE: nvcc compiles them for the GPU's kernels (and the host),
 * gcc for the CPU runtime and the host unit tests, where the marker
 * expands to nothing.  So the CPU path and the CUDA kernels cannot drift
 * apart, and what a kernel computes per element is tested on machines
 * without a GPU; only indexing and launch configuration are left to the
 * GPU run. */
#ifndef CNB_CUDA_HOST_DEVICE_H
#define CNB_CUDA_HOST_DEVICE_H

#ifdef __CUDACC__
#define CNB_HOST_DEVICE __host__ __device__
#else
#define CNB_HOST_DEVICE
#endif

#endif
