// SPDX-License-Identifier: BSD-3-Clause
/* The CnbHost the worker installs: runtime display calls become "display"
 * frames (the interpreter hands them to the front as display_data,
 * update_display_data or execute_result), and long runtime loops that call
 * cnb_check_interrupt() stop when the user interrupts. */
#include "worker.h"
#include "mime_bundle.h"

static void publish(CnbPublishKind kind, const CnbBundle *bundle, const char *display_id)
{
    json_t *data, *metadata;
    if (mime_bundle_to_json(bundle, &data, &metadata) != 0)
        return;
    const char *kind_name = kind == CNB_PUBLISH_UPDATE ? "update"
                            : kind == CNB_PUBLISH_RESULT ? "result" : "display";
    json_t *message = json_pack("{s:s, s:s, s:o, s:o}", "op", "display", "kind", kind_name,
                                "data", data, "metadata", metadata);
    if (message && display_id)
        json_object_set_new(message, "display_id", json_string(display_id));
    if (message)
        worker_send(message);
    json_decref(message);
}

static void clear_output(bool wait)
{
    json_t *message = json_pack("{s:s, s:b}", "op", "clear_output", "wait", wait);
    if (message)
        worker_send(message);
    json_decref(message);
}

static void check_interrupt(void)
{
    if (worker_cell_running() && worker_interrupt_pending())
        worker_unwind(CELL_INTERRUPT, 0);
}

static const CnbHost worker_host = {
    .publish = publish,
    .clear_output = clear_output,
    .check_interrupt = check_interrupt,
    .in_notebook = true,
    .runtime_error = worker_runtime_error,
};

void worker_host_install(void)
{
    cnb_set_host(&worker_host);
}
