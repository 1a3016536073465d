// SPDX-License-Identifier: BSD-3-Clause
/* Connection file parsing with Jansson (see connection.h). */
#include "connection.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *port_keys[CHANNEL_COUNT] = {
    "shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"};

const char *channel_name(ChannelKind channel)
{
    static const char *names[CHANNEL_COUNT] = {"shell", "iopub", "stdin", "control", "hb"};
    return channel < CHANNEL_COUNT ? names[channel] : "?";
}

static const char *string_or(json_t *root, const char *key, const char *fallback)
{
    json_t *value = json_object_get(root, key);
    return json_is_string(value) ? json_string_value(value) : fallback;
}

static int read_ports(json_t *root, ConnectionInfo *info, const char **why)
{
    for (int c = 0; c < CHANNEL_COUNT; c++) {
        json_t *port = json_object_get(root, port_keys[c]);
        if (!json_is_integer(port) || json_integer_value(port) < 0 || json_integer_value(port) > 65535) {
            static char message[64];
            snprintf(message, sizeof message, "missing or invalid %s", port_keys[c]);
            *why = message;
            return -1;
        }
        info->ports[c] = (int)json_integer_value(port);
    }
    return 0;
}

static int check_scheme(json_t *root, const char *key, const char **why)
{
    const char *scheme = string_or(root, "signature_scheme", "hmac-sha256");
    if (*key && strcmp(scheme, "hmac-sha256") != 0) {
        *why = "unsupported signature_scheme (only hmac-sha256)";
        return -1;
    }
    return 0;
}

int connection_parse(const char *text, ConnectionInfo *info, const char **why)
{
    static __thread char json_message[JSON_ERROR_TEXT_LENGTH + 32];
    memset(info, 0, sizeof *info);
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    if (!root) {
        snprintf(json_message, sizeof json_message, "invalid JSON: %s (line %d)", error.text, error.line);
        *why = json_message;
        return -1;
    }
    int rc = -1;
    if (!json_is_object(root)) {
        *why = "not a JSON object";
        goto out;
    }
    const char *transport = string_or(root, "transport", "tcp");
    if (strcmp(transport, "tcp") != 0 && strcmp(transport, "ipc") != 0) {
        *why = "transport must be tcp or ipc";
        goto out;
    }
    const char *key = string_or(root, "key", "");
    if (read_ports(root, info, why) < 0 || check_scheme(root, key, why) < 0)
        goto out;
    snprintf(info->transport, sizeof info->transport, "%s", transport);
    info->ip = strdup(string_or(root, "ip", "127.0.0.1"));
    info->key = strdup(key);
    info->kernel_name = strdup(string_or(root, "kernel_name", ""));
    rc = (info->ip && info->key && info->kernel_name) ? 0 : -1;
    if (rc < 0)
        *why = "out of memory";
out:
    json_decref(root);
    if (rc < 0)
        connection_clear(info);
    return rc;
}

/* The whole file, NUL-terminated, or NULL with errno set. */
static char *read_text(const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *buffer = open_memstream(&text, &size);
    char chunk[4096];
    size_t n;
    while (buffer && (n = fread(chunk, 1, sizeof chunk, file)) > 0)
        fwrite(chunk, 1, n, buffer);
    /* A folder opens, but reading it fails (EISDIR). */
    int failed = !buffer || ferror(file), error = errno;
    fclose(file);
    if (buffer)
        fclose(buffer);
    if (failed) {
        free(text);
        errno = error ? error : ENOMEM;
        return NULL;
    }
    return text;
}

int connection_load(const char *path, ConnectionInfo *info, const char **why)
{
    static __thread char message[160];
    memset(info, 0, sizeof *info);
    char *text = read_text(path);
    if (!text) {
        snprintf(message, sizeof message, "cannot read it: %s", strerror(errno));
        *why = message;
        return -1;
    }
    int rc = connection_parse(text, info, why);
    free(text);
    return rc;
}

void connection_clear(ConnectionInfo *info)
{
    free(info->ip);
    free(info->key);
    free(info->kernel_name);
    info->ip = info->key = info->kernel_name = NULL;
}

char *connection_endpoint(const ConnectionInfo *info, ChannelKind channel)
{
    char *endpoint = NULL;
    int rc;
    if (strcmp(info->transport, "ipc") == 0)
        rc = asprintf(&endpoint, "ipc://%s-%d", info->ip, info->ports[channel]);
    else if (info->ports[channel] == 0)
        rc = asprintf(&endpoint, "tcp://%s:*", info->ip);
    else
        rc = asprintf(&endpoint, "tcp://%s:%d", info->ip, info->ports[channel]);
    return rc < 0 ? NULL : endpoint;
}
