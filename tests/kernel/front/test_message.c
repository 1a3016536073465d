// SPDX-License-Identifier: BSD-3-Clause
/* Jupyter wire framing: encode and decode round trip with identities and
 * buffers, the signature on the wire, and every kind of malformed message
 * (no delimiter, too few frames, bad signature, invalid JSON, non-object
 * parts, header without msg_type) rejected with a reason. */
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "session.h"
#include "tap.h"

#define KEY "0123456789abcdef"

static Frame text_frame(const char *text)
{
    return (Frame){(unsigned char *)text, strlen(text)};
}

/* A signed request as a client would send it, from four JSON texts. */
static Frame *client_frames(const Signer *signer, const char *header, const char *parent,
                            const char *metadata, const char *content, size_t *n)
{
    static char hex[SIGNATURE_HEX_SIZE + 1];
    SignedPart parts[] = {{header, strlen(header)}, {parent, strlen(parent)},
                          {metadata, strlen(metadata)}, {content, strlen(content)}};
    signer_sign(signer, parts, 4, hex);
    Frame frames[] = {text_frame("client-identity"), text_frame(MESSAGE_DELIMITER), text_frame(hex),
                      text_frame(header), text_frame(parent), text_frame(metadata), text_frame(content)};
    *n = 7;
    return frames_copy(frames, 7);
}

static const char *good_header =
    "{\"msg_id\": \"m1\", \"msg_type\": \"execute_request\", \"session\": \"s\", \"username\": \"u\","
    " \"date\": \"2026-01-01T00:00:00Z\", \"version\": \"5.3\"}";

static void round_trip(void)
{
    Signer *signer = signer_new(KEY);
    Session session = {.signer = signer, .id = "session-id"};
    Frame ids[] = {text_frame("id-one"), text_frame("id-two")};
    Frame buffers[] = {{(unsigned char *)"\x00\x01\x02", 3}};
    Message msg = {.ids = ids, .n_ids = 2, .header = session_header(&session, "stream"),
                   .parent_header = json_pack("{s:s}", "msg_id", "parent"),
                   .metadata = json_object(), .content = json_pack("{s:s, s:s}", "name", "stdout", "text", "héllo\n"),
                   .buffers = buffers, .n_buffers = 1};
    size_t n = 0;
    Frame *frames = message_encode(&msg, signer, &n);
    ok(frames && n == 2 + 6 + 1, "encoding gives ids, delimiter, signature, 4 JSON parts, 1 buffer");
    ok(frames && frames[2].size == strlen(MESSAGE_DELIMITER) &&
       memcmp(frames[2].data, MESSAGE_DELIMITER, frames[2].size) == 0, "the delimiter follows the identities");
    SignedPart parts[4];
    for (int i = 0; i < 4; i++)
        parts[i] = (SignedPart){frames[4 + i].data, frames[4 + i].size};
    char hex[SIGNATURE_HEX_SIZE + 1];
    signer_sign(signer, parts, 4, hex);
    ok(frames[3].size == 64 && memcmp(frames[3].data, hex, 64) == 0,
       "the signature frame is the HMAC of the four JSON parts");

    Message back;
    const char *why = NULL;
    ok(message_decode(frames, n, signer, &back, &why) == 0, "the encoded message decodes");
    is_int(back.n_ids, 2, "two identities");
    ok(back.n_ids == 2 && back.ids[1].size == 6 && memcmp(back.ids[1].data, "id-two", 6) == 0, "identities kept");
    is_str(message_type(&back), "stream", "msg_type");
    is_str(message_string(&back, "text", NULL), "héllo\n", "UTF-8 content kept");
    is_str(json_string_value(json_object_get(back.parent_header, "msg_id")), "parent", "parent header kept");
    ok(back.n_buffers == 1 && back.buffers[0].size == 3 && back.buffers[0].data[2] == 2, "buffer kept byte for byte");
    is_str(json_string_value(json_object_get(back.header, "version")), PROTOCOL_VERSION, "header version");
    is_str(json_string_value(json_object_get(back.header, "session")), "session-id", "header session");
    const char *date = json_string_value(json_object_get(back.header, "date"));
    ok(date && strlen(date) == 27 && date[10] == 'T' && date[26] == 'Z', "ISO 8601 UTC date with microseconds (%s)",
       date ? date : "null");
    ok(strlen(json_string_value(json_object_get(back.header, "msg_id"))) == 36, "msg_id is a uuid");
    Message copy;
    ok(message_copy(&back, &copy) == 0 && json_equal(copy.content, back.content) && copy.n_ids == 2,
       "a deep copy equals the original");
    message_clear(&copy);
    message_clear(&back);
    frames_free(frames, n);
    json_decref(msg.header);
    json_decref(msg.parent_header);
    json_decref(msg.metadata);
    json_decref(msg.content);
    signer_free(signer);
}

static void expect_drop(Frame *frames, size_t n, const Signer *signer, const char *what, const char *reason)
{
    Message msg;
    const char *why = NULL;
    int rc = message_decode(frames, n, signer, &msg, &why);
    ok(rc == -1, "%s is dropped", what);
    ok(why && strstr(why, reason), "%s: reason '%s' (got '%s')", what, reason, why ? why : "(null)");
    ok(msg.header == NULL && msg.ids == NULL, "%s: nothing is left in the message", what);
}

static void malformed(void)
{
    Signer *signer = signer_new(KEY);
    size_t n;
    Frame *frames = client_frames(signer, good_header, "{}", "{}", "{\"code\": \"1\"}", &n);
    Message msg;
    const char *why = NULL;
    ok(message_decode(frames, n, signer, &msg, &why) == 0, "a well-formed client message decodes");
    is_int(msg.n_ids, 1, "one identity");
    is_int(message_int(&msg, "missing", 7), 7, "missing ints take the default");
    is_int(message_bool(&msg, "code", 1), 1, "a mistyped bool takes the default");
    message_clear(&msg);

    expect_drop(frames + 2, n - 2, signer, "a message without delimiter", "delimiter");
    expect_drop(frames, n - 1, signer, "a message with a missing content frame", "fewer than five");

    Signer *wrong = signer_new("another key");
    expect_drop(frames, n, wrong, "a message signed with another key", "bad signature");
    signer_free(wrong);

    frames[6].data[1] = 'X';   /* tamper with the content after signing */
    expect_drop(frames, n, signer, "a tampered message", "bad signature");
    frames_free(frames, n);

    frames = client_frames(signer, good_header, "{}", "{}", "{\"code\": ", &n);
    expect_drop(frames, n, signer, "a message whose content is not JSON", "content");
    frames_free(frames, n);
    frames = client_frames(signer, good_header, "{}", "[1]", "{}", &n);
    expect_drop(frames, n, signer, "a message whose metadata is an array", "metadata");
    frames_free(frames, n);
    frames = client_frames(signer, "{\"msg_id\": \"x\"}", "{}", "{}", "{}", &n);
    expect_drop(frames, n, signer, "a header without msg_type", "msg_type");
    frames_free(frames, n);
    frames = client_frames(signer, "{\"msg_type\": \"kernel_info_request\"}", "{}", "{}", "{}", &n);
    expect_drop(frames, n, signer, "a header without msg_id", "msg_id");
    frames_free(frames, n);
    signer_free(signer);
}

static void unsigned_messages(void)
{
    Signer *off = signer_new("");
    size_t n;
    Frame *frames = client_frames(off, good_header, "{}", "{}", "{}", &n);
    Message msg;
    const char *why = NULL;
    ok(frames[2].size == 0, "without a key the signature frame is empty");
    ok(message_decode(frames, n, off, &msg, &why) == 0, "without a key an unsigned message decodes");
    message_clear(&msg);
    frames_free(frames, n);
    signer_free(off);
}

int main(void)
{
    round_trip();
    malformed();
    unsigned_messages();
    return tap_done();
}
