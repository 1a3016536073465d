// SPDX-License-Identifier: BSD-3-Clause
/* Connection file parsing: tcp and ipc, the ports, the key, and clear
 * errors for what is missing or malformed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection.h"
#include "tap.h"

static const char tcp_file[] =
    "{\"shell_port\": 5001, \"iopub_port\": 5002, \"stdin_port\": 5003, \"control_port\": 5004,"
    " \"hb_port\": 5005, \"ip\": \"127.0.0.1\", \"key\": \"a0436f6c-1916-498b-8eb9-e81ab9368e84\","
    " \"transport\": \"tcp\", \"signature_scheme\": \"hmac-sha256\", \"kernel_name\": \"cnb\"}";

static void tcp(void)
{
    ConnectionInfo info;
    const char *why = NULL;
    ok(connection_parse(tcp_file, &info, &why) == 0, "a tcp connection file parses");
    is_str(info.transport, "tcp", "transport");
    is_str(info.ip, "127.0.0.1", "ip");
    is_str(info.key, "a0436f6c-1916-498b-8eb9-e81ab9368e84", "key");
    is_str(info.kernel_name, "cnb", "kernel_name");
    is_int(info.ports[CHANNEL_SHELL], 5001, "shell_port");
    is_int(info.ports[CHANNEL_IOPUB], 5002, "iopub_port");
    is_int(info.ports[CHANNEL_STDIN], 5003, "stdin_port");
    is_int(info.ports[CHANNEL_CONTROL], 5004, "control_port");
    is_int(info.ports[CHANNEL_HB], 5005, "hb_port");
    char *endpoint = connection_endpoint(&info, CHANNEL_CONTROL);
    is_str(endpoint, "tcp://127.0.0.1:5004", "tcp endpoint");
    free(endpoint);
    connection_clear(&info);
}

static void ipc(void)
{
    ConnectionInfo info;
    const char *why = NULL;
    const char *text = "{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4,"
                       " \"hb_port\": 5, \"ip\": \"/tmp/kernel-x\", \"key\": \"\", \"transport\": \"ipc\"}";
    ok(connection_parse(text, &info, &why) == 0, "an ipc connection file parses");
    char *endpoint = connection_endpoint(&info, CHANNEL_HB);
    is_str(endpoint, "ipc:///tmp/kernel-x-5", "ipc endpoint is PATH-PORT");
    free(endpoint);
    is_str(info.key, "", "an empty key is kept (no signing)");
    connection_clear(&info);
}

static void expect_error(const char *text, const char *what, const char *want_in_why)
{
    ConnectionInfo info;
    const char *why = NULL;
    int rc = connection_parse(text, &info, &why);
    ok(rc == -1, "%s is rejected", what);
    ok(why && strstr(why, want_in_why) != NULL, "%s: the reason names '%s' (got '%s')", what,
       want_in_why, why ? why : "(null)");
}

static void errors(void)
{
    expect_error("{\"shell_port\": 1", "truncated JSON", "invalid JSON");
    expect_error("[1, 2]", "a JSON array", "not a JSON object");
    expect_error("{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4}",
                 "a file without hb_port", "hb_port");
    expect_error("{\"shell_port\": \"1\", \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4, \"hb_port\": 5}",
                 "a port given as a string", "shell_port");
    expect_error("{\"shell_port\": 70000, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4, \"hb_port\": 5}",
                 "a port out of range", "shell_port");
    expect_error("{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4, \"hb_port\": 5,"
                 " \"transport\": \"udp\"}", "an unknown transport", "transport");
    expect_error("{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4, \"hb_port\": 5,"
                 " \"key\": \"k\", \"signature_scheme\": \"hmac-md5\"}", "an unsupported signature scheme",
                 "signature_scheme");
}

static void from_file(void)
{
    char path[] = "/tmp/cnb-test-connection-XXXXXX";
    int fd = mkstemp(path);
    ok(fd >= 0 && write(fd, tcp_file, strlen(tcp_file)) == (ssize_t)strlen(tcp_file), "wrote a connection file");
    close(fd);
    ConnectionInfo info;
    const char *why = NULL;
    ok(connection_load(path, &info, &why) == 0 && info.ports[CHANNEL_HB] == 5005, "connection_load reads it");
    connection_clear(&info);
    unlink(path);
    ok(connection_load(path, &info, &why) == -1 && strcmp(why, "cannot read it: No such file or directory") == 0,
       "a missing file is an error that says why: %s", why);
}

int main(void)
{
    tcp();
    ipc();
    errors();
    from_file();
    return tap_done();
}
