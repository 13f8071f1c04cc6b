/* main.c — placeholder until the server command lands. */
#include <stdio.h>
int main(void) { puts("quiver"); return 0; }
