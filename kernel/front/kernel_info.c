/* kernel_info_request: who we are and how the frontend should treat C
 * (highlighting in JupyterLab and nbconvert, file extension, help links). */
#include "dispatch.h"

#ifndef CNB_VERSION
#define CNB_VERSION "0.0.0"
#endif
#ifndef CNB_INCLUDE_DIR
#define CNB_INCLUDE_DIR "/usr/local/include"
#endif

static json_t *language_info(void)
{
    /* codemirror_mode as a MIME type works for CodeMirror 5 (Notebook 6)
     * and CodeMirror 6 (JupyterLab 4), which both know text/x-csrc. */
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", "c", "version", "C17",
                     "mimetype", "text/x-csrc", "file_extension", ".c",
                     "codemirror_mode", "text/x-csrc", "pygments_lexer", "c");
}

static json_t *help_links(void)
{
    /* The runtime's reference is its header: every function with its doc comment. */
    return json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
                     "text", "cnb runtime API (cnb.h)", "url", "file://" CNB_INCLUDE_DIR "/cnb.h",
                     "text", "cnb runtime modules (cnb/*.h)", "url", "file://" CNB_INCLUDE_DIR "/cnb/",
                     "text", "C reference (cppreference)", "url", "https://en.cppreference.com/w/c");
}

json_t *kernel_info_content(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:o}", "status", "ok",
                     "protocol_version", PROTOCOL_VERSION, "implementation", "cnb",
                     "implementation_version", CNB_VERSION, "language_info", language_info(),
                     "banner", "cnb " CNB_VERSION ": C cells, persistent state, the cnb runtime (cnb.h)",
                     "debugger", 0, "help_links", help_links());
}

void handle_kernel_info(Channel *channel, const Message *request)
{
    channel_reply(channel, request, "kernel_info_reply", kernel_info_content());
}
