// The wide-character ncurses API: HADeckTUI draws cells that may hold CJK and emoji.
#ifndef HADECK_CNCURSES_SHIM_H
#define HADECK_CNCURSES_SHIM_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>

// Macros and globals Swift cannot import, as functions.
static inline WINDOW *hadeck_stdscr(void) { return stdscr; }
static inline int hadeck_lines(void) { return getmaxy(stdscr); }
static inline int hadeck_cols(void) { return getmaxx(stdscr); }
static inline int hadeck_colors(void) { return COLORS; }
static inline attr_t hadeck_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline attr_t hadeck_bold(void) { return A_BOLD; }
static inline attr_t hadeck_reverse(void) { return A_REVERSE; }
static inline int hadeck_set_locale(void) { return setlocale(LC_ALL, "") != NULL; }
#endif
