// SPDX-License-Identifier: BSD-3-Clause
/* Pushing out a running cell's unfinished lines (worker_flusher.c). */
#ifndef CNB_WORKER_WORKER_FLUSHER_H
#define CNB_WORKER_WORKER_FLUSHER_H

/* Starts the flushing thread (asleep until a cell runs); again in a
 * snapshot that takes over (only the forking thread survives a fork). */
void worker_flusher_start(void);
/* Around each cell: flush every 100 ms while it runs, sleep after. */
void worker_flusher_cell_begins(void);
void worker_flusher_cell_ends(void);

#endif
