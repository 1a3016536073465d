// SPDX-License-Identifier: BSD-3-Clause
/* Jupyter's directory conventions (as jupyter_core defines them). */
#ifndef CNB_FRONT_JUPYTER_PATHS_H
#define CNB_FRONT_JUPYTER_PATHS_H

/* $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter.  malloc'd. */
char *jupyter_data_dir(void);
/* mkdir -p and rm -rf are in files/dir_tree.h. */
#include "files/dir_tree.h"

#endif
