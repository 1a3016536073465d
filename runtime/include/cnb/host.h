// SPDX-License-Identifier: BSD-3-Clause
/* The seam between the runtime and whoever hosts it.
 *
 * Inside the cnb kernel the worker installs a CnbHost at start-up: display
 * data goes to the notebook and interrupts stop long loops.  In a plain
 * program no host is installed: display calls write files or print text
 * (see cnb/display.h), and nothing is ever interrupted. */
#ifndef CNB_HOST_H
#define CNB_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* A MIME bundle: one representation per MIME type ("text/plain",
 * "image/png", ...), with optional JSON metadata per type.  Binary types are
 * stored as raw bytes; the kernel base64-encodes them on the wire. */
typedef struct CnbBundle CnbBundle;

CnbBundle *bundle_new(void);
void bundle_free(CnbBundle *bundle);
/* Copies the data.  Adding a type twice replaces the first. */
int bundle_add(CnbBundle *bundle, const char *mime, const void *data, size_t size);
int bundle_add_text(CnbBundle *bundle, const char *mime, const char *text);
/* metadata_json is a JSON object text, e.g. {"width": 400}. */
int bundle_set_metadata(CnbBundle *bundle, const char *mime, const char *metadata_json);
size_t bundle_count(const CnbBundle *bundle);
const char *bundle_mime(const CnbBundle *bundle, size_t i);
const void *bundle_data(const CnbBundle *bundle, size_t i, size_t *size);
const char *bundle_metadata(const CnbBundle *bundle, size_t i); /* NULL if none */
const void *bundle_find(const CnbBundle *bundle, const char *mime, size_t *size);

typedef enum CnbPublishKind {
    CNB_PUBLISH_DISPLAY,        /* display_data */
    CNB_PUBLISH_UPDATE,         /* update_display_data (display_id required) */
    CNB_PUBLISH_RESULT          /* execute_result of the cell's trailing expression */
} CnbPublishKind;

typedef struct CnbHost {
    /* Send a bundle to the frontend.  display_id may be NULL. */
    void (*publish)(CnbPublishKind kind, const CnbBundle *bundle, const char *display_id);
    void (*clear_output)(bool wait);
    /* Called by long runtime loops between batches.  If the user asked to
     * interrupt, the host does not return (it unwinds the cell). */
    void (*check_interrupt)(void);
    /* True while running inside a notebook kernel. */
    bool in_notebook;
    /* A runtime call failed (kind "DatasetError"..., message "function:
     * what").  return_slot is the stack slot of the return address from
     * the runtime into its caller (NULL if unknown).  Returns true when the
     * host takes over the report (the kernel ends the cell once the call
     * has returned); false lets the runtime print it as usual.  May be NULL. */
    bool (*runtime_error)(const char *kind, const char *message, void **return_slot);
} CnbHost;

/* Installs the host (the pointer must stay valid); NULL restores the default. */
void cnb_set_host(const CnbHost *host);
const CnbHost *cnb_host(void);

/* Convenience wrappers used by the runtime. */
bool cnb_in_notebook(void);
void cnb_publish(CnbPublishKind kind, const CnbBundle *bundle, const char *display_id);
void cnb_check_interrupt(void);

/* Trailing-expression representations: the kernel wraps a cell's last
 * expression (written without ';') in cnb_show(expr), a _Generic in cnb.h
 * over these C types and the runtime's own (cnb_repr_tensor, _model,
 * _dataset, _dataloader, declared there, where all four types are known). */
CnbBundle *cnb_repr_long(long long value);
CnbBundle *cnb_repr_ulong(unsigned long long value);
CnbBundle *cnb_repr_double(double value);
CnbBundle *cnb_repr_bool(bool value);
CnbBundle *cnb_repr_char(char value);
CnbBundle *cnb_repr_string(const char *value);
CnbBundle *cnb_repr_pointer(const void *value);
/* Publishes as execute_result and frees the bundle. */
void cnb_show_bundle(CnbBundle *bundle);

#endif
