// SPDX-License-Identifier: BSD-3-Clause
/* kernel_info_request: who we are and how the frontend should treat C
 * (highlighting in JupyterLab and nbconvert, file extension, help links). */
#include "dispatch.h"

#ifndef CNB_VERSION
#define CNB_VERSION "0.0.0"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernelspec_install.h"

static json_t *language_info(void)
{
    /* codemirror_mode as a MIME type works for CodeMirror 5 (Notebook 6)
     * and CodeMirror 6 (JupyterLab 4), which both know text/x-csrc. */
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", "c", "version", "C17",
                     "mimetype", "text/x-csrc", "file_extension", ".c",
                     "codemirror_mode", "text/x-csrc", "pygments_lexer", "c");
}

/* Help menu entries.  The runtime's reference page lives in the
 * kernelspec folder, which the Jupyter server serves at
 * <base_url>kernelspecs/<name>/ (a file:// link would not open from a web
 * page).  The base URL is "/" unless JupyterHub put the server under
 * /user/<name>/, which it tells the server's children. */
static json_t *help_links(const char *kernel_name)
{
    const char *prefix = getenv("JUPYTERHUB_SERVICE_PREFIX");
    if (!prefix || !*prefix)
        prefix = "/";
    char *reference = NULL;
    if (asprintf(&reference, "%s%skernelspecs/%s/" CNB_REFERENCE_PAGE, prefix,
                 prefix[strlen(prefix) - 1] == '/' ? "" : "/",
                 kernel_name && *kernel_name ? kernel_name : "cnb") < 0)
        return json_array();
    json_t *links = json_pack("[{s:s, s:s}, {s:s, s:s}]", "text", "cnb runtime API", "url", reference,
                              "text", "C reference (cppreference)", "url", "https://en.cppreference.com/w/c");
    free(reference);
    return links ? links : json_array();
}

json_t *kernel_info_content(const char *kernel_name)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:o}", "status", "ok",
                     "protocol_version", PROTOCOL_VERSION, "implementation", "cnb",
                     "implementation_version", CNB_VERSION, "language_info", language_info(),
                     "banner", "cnb " CNB_VERSION ": C cells, persistent state, the cnb runtime (cnb.h)",
                     "debugger", 1, "help_links", help_links(kernel_name));
}

void handle_kernel_info(Channel *channel, const Message *request)
{
    channel_reply(channel, request, "kernel_info_reply",
                  kernel_info_content(channel->kernel->connection.kernel_name));
}
