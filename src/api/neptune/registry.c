/* registry.c — the queries running on the Neptune front end, for the status endpoints: listing them
 * (GET /opencypher/status, GET /queries), one query's status, and cancelling one (its cancel flag is the
 * one the engine polls).
 * Must not: run or stop queries itself.
 */
#include "api/neptune/np_int.h"
#include "util/clock.h"
#include "wire/json.h"

#include <stdlib.h>
#include <string.h>

void np_registry_init(np_registry *r) {
    pthread_mutex_init(&r->mu, NULL);
    r->head = NULL;
    r->accepted = 0;
}

void np_registry_destroy(np_registry *r) { pthread_mutex_destroy(&r->mu); }

void np_registry_add(np_registry *r, np_running *q, const char *text, size_t len) {
    if (len > 1024) len = 1024;
    q->text = qv_malloc(len + 1);
    memcpy(q->text, text, len);
    q->text[len] = 0;
    q->start_ms = qv_wall_ms();
    q->user_cancelled = false;
    pthread_mutex_lock(&r->mu);
    q->next = r->head;
    r->head = q;
    r->accepted++;
    pthread_mutex_unlock(&r->mu);
}

void np_registry_remove(np_registry *r, np_running *q) {
    pthread_mutex_lock(&r->mu);
    for (np_running **pp = &r->head; *pp; pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    pthread_mutex_unlock(&r->mu);
    free(q->text);
    q->text = NULL;
}

static np_running *find(np_registry *r, const char *id) {
    for (np_running *q = r->head; q; q = q->next)
        if (strcmp(q->id, id) == 0) return q;
    return NULL;
}

bool np_registry_cancel(np_registry *r, const char *id) {
    pthread_mutex_lock(&r->mu);
    np_running *q = find(r, id);
    if (q) {
        q->user_cancelled = true;
        atomic_store(q->cancel, true);
    }
    pthread_mutex_unlock(&r->mu);
    return q != NULL;
}

bool np_registry_was_cancelled(np_registry *r, np_running *q) {
    pthread_mutex_lock(&r->mu);
    bool c = q->user_cancelled;
    pthread_mutex_unlock(&r->mu);
    return c;
}

static void db_entry(qv_buf *b, const np_running *q, uint64_t now) {
    qv_buf_append_str(b, "{\"queryId\":");
    json_write_cstr(b, q->id);
    qv_buf_append_str(b, ",\"queryString\":");
    json_write_cstr(b, q->text);
    qv_buf_printf(b, ",\"queryEvalStats\":{\"waited\":0,\"elapsed\":%llu,\"cancelled\":%s}}",
                  (unsigned long long)(now > q->start_ms ? now - q->start_ms : 0),
                  q->user_cancelled ? "true" : "false");
}

void np_registry_list_db(np_registry *r, qv_buf *b) {
    uint64_t now = qv_wall_ms();
    pthread_mutex_lock(&r->mu);
    size_t n = 0;
    for (np_running *q = r->head; q; q = q->next)
        if (q->api == NP_API_DB) n++;
    qv_buf_printf(b, "{\"acceptedQueryCount\":%llu,\"runningQueryCount\":%zu,\"queries\":[",
                  (unsigned long long)r->accepted, n);
    bool first = true;
    for (np_running *q = r->head; q; q = q->next) {
        if (q->api != NP_API_DB) continue;
        if (!first) qv_buf_append_byte(b, ',');
        first = false;
        db_entry(b, q, now);
    }
    pthread_mutex_unlock(&r->mu);
    qv_buf_append_str(b, "]}");
}

bool np_registry_get_db(np_registry *r, const char *id, qv_buf *b) {
    pthread_mutex_lock(&r->mu);
    np_running *q = find(r, id);
    if (q) db_entry(b, q, qv_wall_ms());
    pthread_mutex_unlock(&r->mu);
    return q != NULL;
}

static void na_entry(qv_buf *b, const np_running *q, uint64_t now) {
    qv_buf_append_str(b, "{\"id\":");
    json_write_cstr(b, q->id);
    qv_buf_append_str(b, ",\"queryString\":");
    json_write_cstr(b, q->text);
    qv_buf_printf(b, ",\"waited\":0,\"elapsed\":%llu,\"state\":\"%s\"}",
                  (unsigned long long)(now > q->start_ms ? now - q->start_ms : 0),
                  q->user_cancelled ? "CANCELLING" : "RUNNING");
}

void np_registry_list_na(np_registry *r, qv_buf *b, size_t max) {
    uint64_t now = qv_wall_ms();
    qv_buf_append_str(b, "{\"queries\":[");
    pthread_mutex_lock(&r->mu);
    size_t n = 0;
    for (np_running *q = r->head; q && n < max; q = q->next) {
        if (q->api != NP_API_ANALYTICS) continue;
        if (n++) qv_buf_append_byte(b, ',');
        na_entry(b, q, now);
    }
    pthread_mutex_unlock(&r->mu);
    qv_buf_append_str(b, "]}");
}

bool np_registry_get_na(np_registry *r, const char *id, qv_buf *b) {
    pthread_mutex_lock(&r->mu);
    np_running *q = find(r, id);
    if (q) na_entry(b, q, qv_wall_ms());
    pthread_mutex_unlock(&r->mu);
    return q != NULL;
}
