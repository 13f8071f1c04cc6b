/* backup.h — `quiver backup` (backup.c). */
#ifndef QV_CLI_BACKUP_H
#define QV_CLI_BACKUP_H

/* quiver backup (--data-dir DIR | --server URL) --to DIR2: exit 0 once the copy is complete, 1 on failure,
 * 2 on a usage error. */
int cli_backup_main(int argc, char **argv);

#endif
