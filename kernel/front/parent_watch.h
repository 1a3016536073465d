/* Shut down when the process that launched the kernel is gone (see
 * parent_watch.c); checked by the signal thread once a second. */
#ifndef CNB_FRONT_PARENT_WATCH_H
#define CNB_FRONT_PARENT_WATCH_H

#include <stdbool.h>

void parent_watch_init(void);
bool parent_is_gone(void);

#endif
