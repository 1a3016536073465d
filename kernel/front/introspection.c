// SPDX-License-Identifier: BSD-3-Clause
/* complete, inspect and is_complete: delegated to the interpreter, answered
 * on the shell thread so they work while a cell runs. */
#include "dispatch.h"
#include "execution.h"

#include <stdlib.h>
#include <string.h>

/* Clamp the client's cursor into the code (code points and bytes coincide
 * for the ASCII code completion deals with; the interpreter refines). */
static int cursor_of(const Message *request, const char *code)
{
    long long cursor = message_int(request, "cursor_pos", (long long)strlen(code));
    if (cursor < 0)
        return 0;
    long long length = (long long)strlen(code);
    return (int)(cursor > length ? length : cursor);
}

void handle_complete(Channel *channel, const Message *request)
{
    const char *code = message_string(request, "code", "");
    int cursor = cursor_of(request, code);
    Interpreter *interp = execution_interpreter(channel->kernel);
    json_t *content = interp ? interpreter_complete(interp, code, cursor) : NULL;
    if (!json_is_object(content)) {
        json_decref(content);
        content = json_pack("{s:[], s:i, s:i}", "matches", "cursor_start", cursor, "cursor_end", cursor);
    }
    json_object_set_new(content, "status", json_string("ok"));
    if (!json_object_get(content, "metadata"))
        json_object_set_new(content, "metadata", json_object());
    channel_reply(channel, request, "complete_reply", content);
}

void handle_inspect(Channel *channel, const Message *request)
{
    const char *code = message_string(request, "code", "");
    int cursor = cursor_of(request, code);
    int detail = (int)message_int(request, "detail_level", 0);
    Interpreter *interp = execution_interpreter(channel->kernel);
    json_t *content = interp ? interpreter_inspect(interp, code, cursor, detail) : NULL;
    if (!json_is_object(content)) {
        json_decref(content);
        content = json_pack("{s:b, s:{}, s:{}}", "found", 0, "data", "metadata");
    }
    json_object_set_new(content, "status", json_string("ok"));
    channel_reply(channel, request, "inspect_reply", content);
}

void handle_is_complete(Channel *channel, const Message *request)
{
    char *indent = NULL;
    const char *status = interpreter_is_complete(message_string(request, "code", ""), &indent);
    if (!status)
        status = "unknown";
    json_t *content = json_pack("{s:s}", "status", status);
    if (strcmp(status, "incomplete") == 0)
        json_object_set_new(content, "indent", json_string(indent ? indent : ""));
    free(indent);
    channel_reply(channel, request, "is_complete_reply", content);
}
