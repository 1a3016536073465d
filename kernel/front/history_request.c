// SPDX-License-Identifier: BSD-3-Clause
/* history_request: tail, range and search over the SQLite store. */
#include "dispatch.h"
#include "history.h"

#include <string.h>

void handle_history(Channel *channel, const Message *request)
{
    History *history = channel->kernel->history;
    const char *access = message_string(request, "hist_access_type", "tail");
    bool output = message_bool(request, "output", 0);
    json_t *entries;
    if (strcmp(access, "range") == 0)
        entries = history_range(history, (int)message_int(request, "session", 0),
                                (int)message_int(request, "start", 0),
                                (int)message_int(request, "stop", 0), output);
    else if (strcmp(access, "search") == 0)
        entries = history_search(history, message_string(request, "pattern", "*"),
                                 (int)message_int(request, "n", -1),
                                 message_bool(request, "unique", 0), output);
    else
        entries = history_tail(history, (int)message_int(request, "n", 10), output);
    channel_reply(channel, request, "history_reply",
                  json_pack("{s:s, s:o}", "status", "ok", "history", entries));
}
