/* Jupyter's directory conventions (as jupyter_core defines them). */
#ifndef CNB_FRONT_JUPYTER_PATHS_H
#define CNB_FRONT_JUPYTER_PATHS_H

/* $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter.  malloc'd. */
char *jupyter_data_dir(void);
/* mkdir -p; returns 0 or -1. */
int make_dirs(const char *path, int mode);
/* rm -rf; returns 0 or -1 (a missing path is fine). */
int remove_tree(const char *path);

#endif
