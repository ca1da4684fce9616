// The wide-character ncurses API: HADeckTUI draws cells that may hold CJK and emoji.
#ifndef HADECK_CNCURSES_SHIM_H
#define HADECK_CNCURSES_SHIM_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>
#endif
