// SPDX-License-Identifier: BSD-3-Clause
/* Directory trees: mkdir -p and rm -rf, for the front's folders (work
 * folder, history, kernelspecs) and the interpreter's cell files. */
#ifndef CNB_FILES_DIR_TREE_H
#define CNB_FILES_DIR_TREE_H

/* mkdir -p with mode for every folder it creates; 0, or -1 when path is
 * not a folder afterwards. */
int make_dirs(const char *path, int mode);
/* rm -rf: removes what it can, even past an entry it cannot; 0, or -1 if
 * something stayed (a missing path is fine). */
int remove_tree(const char *path);

#endif
