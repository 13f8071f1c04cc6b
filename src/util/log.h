/* log.h — one-line log messages to stderr.
 *
 * Owns: the log format ("2026-11-22T03:57:58.123Z INFO  message") and the process log level. The level is
 * set once at start-up (qv_log_set_level) before threads exist; it is the only process-wide setting here.
 */
#ifndef QV_LOG_H
#define QV_LOG_H

typedef enum { QV_LOG_DEBUG = 0, QV_LOG_INFO, QV_LOG_WARN, QV_LOG_ERROR } qv_log_level;

void qv_log_set_level(qv_log_level level);
int qv_log_parse_level(const char *s, qv_log_level *out); /* "debug", "info", "warn", "error" */
void qv_log(qv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define QV_DEBUG(...) qv_log(QV_LOG_DEBUG, __VA_ARGS__)
#define QV_INFO(...) qv_log(QV_LOG_INFO, __VA_ARGS__)
#define QV_WARN(...) qv_log(QV_LOG_WARN, __VA_ARGS__)
#define QV_ERROR(...) qv_log(QV_LOG_ERROR, __VA_ARGS__)

#endif
